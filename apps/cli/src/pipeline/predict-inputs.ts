import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { AssetNotFoundError, InvalidArgumentError } from '@graft/core';
import { imageExtensionProblem } from '@graft/datasets';

/**
 * `graft predict`'s image inputs: each argument as given, except that a folder stands for the
 * image files under it (recursively, by extension as `graft train` judges them, sorted by path),
 * followed by the lines of `listFile` (one path per line, relative to the list's folder; blank
 * lines and `#` comments skipped). A folder or list is how half a million images get in without
 * an argument list the shell cannot pass.
 */
export async function expandImageInputs(
  inputs: readonly string[],
  listFile: string | undefined,
): Promise<string[]> {
  const images: string[] = [];
  for (const input of inputs) {
    const isFolder = await stat(input).then(
      (stats) => stats.isDirectory(),
      () => false,
    );
    if (isFolder) images.push(...(await imagesUnder(input)));
    else images.push(input);
  }
  if (listFile !== undefined) {
    const text = await readFile(listFile, 'utf8').catch((error: unknown) => {
      throw new AssetNotFoundError({
        fileName: listFile,
        searched: [resolve(listFile)],
        putItAt: resolve(listFile),
        reason: `--list names a file that cannot be read (${(error as Error).message})`,
      });
    });
    const base = dirname(resolve(listFile));
    for (const line of text.split(/\r?\n/)) {
      const path = line.trim();
      if (path === '' || path.startsWith('#')) continue;
      images.push(resolve(base, path));
    }
  }
  if (images.length === 0) {
    throw new InvalidArgumentError({
      argument: '<images...>',
      value: [...inputs, ...(listFile ? [`--list ${listFile}`] : [])].join(' '),
      expected: 'must name at least one image file, a folder holding images, or --list <file>',
    });
  }
  return images;
}

async function imagesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && imageExtensionProblem(entry.name) === undefined)
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}
