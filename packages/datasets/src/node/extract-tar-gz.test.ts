import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFormatError } from '@graft/core';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTarGz } from '../testing/make-tar.js';
import { extractTarGz } from './extract-tar-gz.js';

const folders: string[] = [];
async function workspace(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'graft-tar-'));
  folders.push(folder);
  return folder;
}
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});
const text = (value: string) => new TextEncoder().encode(value);

describe('extractTarGz', () => {
  it('extracts plain files and folders', async () => {
    const folder = await workspace();
    const archive = join(folder, 'ok.tar.gz');
    await writeFile(
      archive,
      makeTarGz([
        { name: 'data/', type: 'folder' },
        { name: 'data/a.txt', type: 'file', content: text('alpha') },
        { name: 'data/sub/b.txt', type: 'file', content: text('beta') },
      ]),
    );
    await extractTarGz({ archive, destination: join(folder, 'out') });
    expect(await readFile(join(folder, 'out/data/a.txt'), 'utf8')).toBe('alpha');
    expect(await readFile(join(folder, 'out/data/sub/b.txt'), 'utf8')).toBe('beta');
  });

  it('rejects an entry escaping the target and leaves nothing behind', async () => {
    const folder = await workspace();
    const archive = join(folder, 'evil.tar.gz');
    await writeFile(
      archive,
      makeTarGz([
        { name: 'data/a.txt', type: 'file', content: text('alpha') },
        { name: '../../evil.txt', type: 'file', content: text('gotcha') },
      ]),
    );
    await expect(
      extractTarGz({ archive, destination: join(folder, 'deep/out') }),
    ).rejects.toSatisfy(
      (error: unknown) =>
        FileFormatError.isInstance(error) &&
        error.file === archive &&
        error.message.includes('../../evil.txt'),
    );
    expect((await readdir(folder)).sort()).toEqual(['deep', 'evil.tar.gz']);
    expect(await readdir(join(folder, 'deep'))).toEqual([]);
    await expect(readFile(join(folder, 'evil.txt'))).rejects.toThrow();
  });

  it('rejects absolute paths and symbolic links', async () => {
    const folder = await workspace();
    const absolute = join(folder, 'absolute.tar.gz');
    await writeFile(
      absolute,
      makeTarGz([{ name: join(folder, 'abs.txt'), type: 'file', content: text('x') }]),
    );
    await expect(
      extractTarGz({ archive: absolute, destination: join(folder, 'a') }),
    ).rejects.toThrow(/escapes the target folder|absolute/);
    const linked = join(folder, 'link.tar.gz');
    await writeFile(
      linked,
      makeTarGz([
        { name: 'data/link', type: 'symlink', target: '/etc' },
        { name: 'data/link/passwd-copy', type: 'file', content: text('x') },
      ]),
    );
    await expect(extractTarGz({ archive: linked, destination: join(folder, 'b') })).rejects.toThrow(
      /SymbolicLink entries are not allowed/,
    );
    expect((await readdir(folder)).sort()).toEqual(['absolute.tar.gz', 'link.tar.gz']);
  });

  it('names a corrupt archive', async () => {
    const folder = await workspace();
    const archive = join(folder, 'broken.tar.gz');
    const bytes = makeTarGz([
      { name: 'a.txt', type: 'file', content: new Uint8Array(5000).fill(1) },
    ]);
    await writeFile(archive, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(extractTarGz({ archive, destination: join(folder, 'out') })).rejects.toSatisfy(
      (error: unknown) => FileFormatError.isInstance(error) && error.file === archive,
    );
  });
});
