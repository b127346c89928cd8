import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FileFormatError } from '@graft/core';
import yauzl from 'yauzl';

/**
 * Extracts a zip archive into `destination`. Entries whose path would land outside
 * `destination` (absolute paths, `..`) are refused ("zip slip"); symlinks are not created.
 */
export async function extractZip(archive: string, destination: string): Promise<number> {
  const root = resolve(destination);
  await mkdir(root, { recursive: true });
  const zip = await new Promise<yauzl.ZipFile>((accept, reject) =>
    yauzl.open(archive, { lazyEntries: true, autoClose: true }, (error, file) =>
      error || !file
        ? reject(
            new FileFormatError({
              file: archive,
              problem: `not a readable zip archive (${error?.message})`,
              cause: error,
            }),
          )
        : accept(file),
    ),
  );
  let files = 0;
  await new Promise<void>((accept, reject) => {
    zip.on('error', (error: Error) =>
      reject(
        new FileFormatError({
          file: archive,
          problem: `corrupt zip archive (${error.message})`,
          cause: error,
        }),
      ),
    );
    zip.on('end', () => accept());
    zip.on('entry', (entry: yauzl.Entry) => {
      const target = resolve(root, entry.fileName);
      const inside = relative(root, target);
      if (inside.startsWith('..') || isAbsolute(inside)) {
        zip.close();
        reject(
          new FileFormatError({
            file: archive,
            problem: `entry ${JSON.stringify(entry.fileName)} would be written outside ${root}`,
          }),
        );
        return;
      }
      if (entry.fileName.endsWith('/')) {
        mkdir(target, { recursive: true }).then(() => zip.readEntry(), reject);
        return;
      }
      zip.openReadStream(entry, (error, stream) => {
        if (error || !stream) {
          reject(error);
          return;
        }
        mkdir(dirname(target), { recursive: true })
          .then(() => pipeline(stream, createWriteStream(join(target))))
          .then(() => {
            files += 1;
            zip.readEntry();
          }, reject);
      });
    });
    zip.readEntry();
  });
  return files;
}
