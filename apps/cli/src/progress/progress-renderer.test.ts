import { describe, expect, it } from 'vitest';
import { createProgressRenderer, formatNumber } from './progress-renderer.js';

describe('plain progress', () => {
  it('prints a line per quarter with rate and ETA for a lasting task, then the summary', () => {
    const lines: string[] = [];
    let clock = 0;
    const progress = createProgressRenderer({
      style: 'plain',
      write: (line) => lines.push(line),
      now: () => clock,
    });
    progress.start({ label: 'epoch 1/2', total: 100, unit: 'img' });
    for (let done = 10; done <= 100; done += 10) {
      clock += 1000;
      progress.update(done, { loss: 0.5 });
    }
    progress.stop('epoch 1/2 done');
    // A short task prints only its summary.
    progress.start({ label: 'epoch 2/2', total: 100, unit: 'img' });
    clock += 100;
    progress.update(100, { loss: 0.4 });
    progress.stop('epoch 2/2 done');
    expect(lines).toEqual([
      'epoch 1/2: 30/100 img | 10 img/s | ETA 7s | loss 0.5',
      'epoch 1/2: 50/100 img | 10 img/s | ETA 5s | loss 0.5',
      'epoch 1/2: 80/100 img | 10 img/s | ETA 2s | loss 0.5',
      'epoch 1/2 done',
      'epoch 2/2 done',
    ]);
  });

  it('prints nothing when silent', () => {
    const lines: string[] = [];
    const progress = createProgressRenderer({ style: 'none', write: (line) => lines.push(line) });
    progress.start({ label: 'x', total: 1, unit: 'img' });
    progress.update(1);
    progress.stop('done');
    expect(lines).toEqual([]);
  });

  it('formats numbers to 4 significant digits', () => {
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(12)).toBe('12');
    expect(formatNumber(12345.6)).toBe('12346');
  });
});
