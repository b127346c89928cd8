import { readFile } from 'node:fs/promises';
import { AssetNotFoundError, FileFormatError } from '@graft/core';
import { parseSafetensors, type SafetensorsFile } from './safetensors.js';

/**
 * Reads and parses a safetensors file from disk (Node only). A missing file throws an
 * {@link AssetNotFoundError}; a bad header or a truncated file a {@link FileFormatError} naming
 * the path.
 */
export async function readSafetensorsFile(path: string): Promise<SafetensorsFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AssetNotFoundError({
        fileName: path.split(/[\\/]/).pop() ?? path,
        searched: [path],
        putItAt: path,
        reason: 'the file does not exist',
        cause: error,
      });
    }
    throw new FileFormatError({ file: path, problem: 'could not be read', cause: error });
  }
  return parseSafetensors({ bytes, file: path });
}
