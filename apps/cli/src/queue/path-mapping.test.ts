import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobPathsOf, localPaths } from './compute-shard.js';
import { describeUnreadablePath, mapPath, parsePathMappings } from './path-mapping.js';

describe('graft worker --map-path', () => {
  it('parses from=to pairs and rejects a missing = or a relative side, naming the value', () => {
    expect(parsePathMappings(['/srv/data/=/mnt/data', '/srv=/x'])).toEqual([
      { from: '/srv/data', to: '/mnt/data' },
      { from: '/srv', to: '/x' },
    ]);
    expect(() => parsePathMappings(['/srv/data'])).toThrow(
      /--map-path.*<path in jobs>=<path on this worker>.*\/srv\/data/s,
    );
    expect(() => parsePathMappings(['data=/mnt/data'])).toThrow(/both absolute/);
  });

  it('maps by the longest folder prefix, never inside a name', () => {
    const mappings = parsePathMappings(['/data=/a', '/data/images=/b']);
    expect(mapPath('/data/images/x.jpg', mappings)).toBe('/b/x.jpg');
    expect(mapPath('/data/other/y.jpg', mappings)).toBe('/a/other/y.jpg');
    expect(mapPath('/data', mappings)).toBe('/a');
    // `/database` is not under `/data`.
    expect(mapPath('/database/z.jpg', mappings)).toBe('/database/z.jpg');
  });

  it('reads mapped files, and names the unmapped path with the fix when a file is missing', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'graft-map-path-'));
    try {
      await writeFile(join(directory, 'a.bmp'), 'x');
      const mappings = parsePathMappings([`/trainer/data=${directory}`]);
      expect(await localPaths(['/trainer/data/a.bmp'], mappings)).toEqual([
        join(directory, 'a.bmp'),
      ]);
      await expect(localPaths(['/elsewhere/b.bmp'], mappings)).rejects.toThrow(
        /\/elsewhere\/b\.bmp.*no --map-path maps it \(mappings: \/trainer\/data=.*--map-path <folder in jobs>=<same folder here>/s,
      );
      await expect(localPaths(['/trainer/data/missing.bmp'], mappings)).rejects.toThrow(
        new RegExp(`at ${join(directory, 'missing.bmp')} \\(mapped by --map-path\\)`),
      );
      expect(describeUnreadablePath('/x/y', [], 'host 1')).toMatch(
        /^cannot be read by worker host 1 at that path and no --map-path maps it:/,
      );
      // Skipped images are reported by the job's path, in the reason too.
      expect(
        jobPathsOf(
          [{ path: join(directory, 'a.bmp'), reason: `${join(directory, 'a.bmp')}: not an image` }],
          ['/trainer/data/a.bmp'],
          [join(directory, 'a.bmp')],
        ),
      ).toEqual([{ path: '/trainer/data/a.bmp', reason: '/trainer/data/a.bmp: not an image' }]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
