import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandImageInputs } from './predict-inputs.js';

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'graft-predict-inputs-'));
  await mkdir(join(directory, 'photos', 'b'), { recursive: true });
  for (const name of ['photos/z.jpg', 'photos/b/a.png', 'photos/notes.txt', 'single.webp']) {
    await writeFile(join(directory, name), '');
  }
  await writeFile(
    join(directory, 'list.txt'),
    '# new photos\nsingle.webp\n\n  /elsewhere/x.jpg  \r\n',
  );
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('graft predict inputs', () => {
  it('expands folders to their images (sorted, recursive) and appends --list lines', async () => {
    const single = join(directory, 'single.webp');
    expect(
      await expandImageInputs(
        [join(directory, 'photos'), single, 'missing.jpg'],
        join(directory, 'list.txt'),
      ),
    ).toEqual([
      join(directory, 'photos', 'b', 'a.png'),
      join(directory, 'photos', 'z.jpg'),
      single,
      // A missing file stays: predict reports it as not found, with the others classified.
      'missing.jpg',
      single,
      '/elsewhere/x.jpg',
    ]);
  });

  it('refuses no input at all, and an unreadable --list naming it', async () => {
    await expect(expandImageInputs([], undefined)).rejects.toThrow(
      /<images\.\.\.>.*at least one image/s,
    );
    await expect(expandImageInputs([], join(directory, 'nope.txt'))).rejects.toThrow(/nope\.txt/);
  });
});
