import { describe, expect, it } from 'vitest';
import { mapLimited } from './map-limited.js';

describe('mapLimited', () => {
  it('keeps order, never exceeds the limit, and stops on an aborted signal', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapLimited({
      items: [5, 1, 4, 2, 3],
      limit: 2,
      map: async (item, index) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, item));
        inFlight--;
        return `${index}:${item}`;
      },
    });
    expect(results).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3']);
    expect(most).toBe(2);
    expect(await mapLimited({ items: [], limit: 4, map: async () => 1 })).toEqual([]);
    const controller = new AbortController();
    controller.abort(new Error('stopped'));
    await expect(
      mapLimited({ items: [1], limit: 1, signal: controller.signal, map: async () => 1 }),
    ).rejects.toThrow('stopped');
  });
});
