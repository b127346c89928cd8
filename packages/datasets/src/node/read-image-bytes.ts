import { readFile } from 'node:fs/promises';
import { FileFormatError } from '@graft/core/errors';

/** Reads an image file's bytes; a file that cannot be read is a {@link FileFormatError} naming it. */
export async function readImageBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code ??
      (error instanceof Error ? error.message : String(error));
    throw new FileFormatError({
      file: path,
      problem: `cannot read file (${reason})`,
      cause: error,
    });
  }
}
