import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodePixels } from '@graft/datasets/node';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess as run } from '../testing/run-in-process.js';
import { testBackboneName } from '../testing/test-backbone.js';
import { useTinyProject } from '../testing/tiny-project.js';

const project = useTinyProject({ name: 'explain', images: { train: 4, val: 2 } });

describe('graft explain', () => {
  it('writes an overlay per readable image and a contact sheet, and names the unreadable ones', async () => {
    const runDirectory = join(project(), 'run');
    const trained = await run(
      'train',
      join(project(), 'data'),
      ...['--backbone', testBackboneName, '--weights', 'none', '--epochs', '1'],
      ...['--extraction-workers', '1', '--out', runDirectory],
    );
    expect(trained.code, trained.stderr).toBe(exitCodes.success);
    const red = join(project(), 'data', 'val', 'red', '0.bmp');
    const blue = join(project(), 'data', 'val', 'blue', '1.bmp');
    const corrupt = join(project(), 'corrupt.png');
    await writeFile(corrupt, 'not a png');
    const out = join(project(), 'explained');
    const explained = await run(
      '--json',
      'explain',
      runDirectory,
      red,
      corrupt,
      join(project(), 'missing.jpg'),
      blue,
      ...['--out', out, '--class', 'green'],
    );
    // Every image was tried; the two bad ones make it an input error.
    expect(explained.code, explained.stderr).toBe(exitCodes.input);
    expect(explained.stderr).toMatch(/2 of 4 image\(s\) could not be explained/);
    const entries = JSON.parse(explained.stdout) as Array<Record<string, unknown>>;
    expect(entries.map((entry) => entry.overlay ?? (entry.error as { code: string }).code)).toEqual(
      ['0.gradcam.png', 'FILE_FORMAT', 'ASSET_NOT_FOUND', '1.gradcam.png'],
    );
    expect(entries[0]?.className).toBe('green');
    // BMP: decoded as training decodes it (sharp reads no BMP).
    const original = await decodePixels(await readFile(red), red);
    const overlay = await sharp(join(out, '0.gradcam.png'))
      .raw()
      .toBuffer({ resolveWithObject: true });
    // The original's size, and not the original's pixels: the heat map is laid over it.
    expect([overlay.info.width, overlay.info.height]).toEqual([16, 16]);
    expect(overlay.data.equals(Buffer.from(original.data))).toBe(false);
    const sheet = await readFile(join(out, 'index.html'), 'utf8');
    expect(sheet.match(/<img src="/g)).toHaveLength(2);
    expect(sheet).toContain('src="0.gradcam.png"');
    expect(sheet).toContain('src="1.gradcam.png"');
    expect(sheet).toMatch(/corrupt\.png<\/b><br>skipped: /);
    expect(sheet).toMatch(/missing\.jpg<\/b><br>skipped: not found/);

    const badClass = await run('explain', runDirectory, red, '--out', out, '--class', 'purple');
    expect(badClass.code).toBe(exitCodes.usage);
    expect(badClass.stderr).toMatch(
      /--class.*must be one of the model's classes: blue, green, red/,
    );
  });
});
