import { stat } from 'node:fs/promises';
import { imageExtensionProblem, imageExtensions } from '@graft/datasets';

/** Why an image argument cannot be read, before any decoding. */
export interface ImageFileProblem {
  /** `ASSET_NOT_FOUND` (missing) or `FILE_FORMAT` (not an image file by extension, a folder …). */
  code: 'ASSET_NOT_FOUND' | 'FILE_FORMAT';
  /** What is wrong, without the path. */
  problem: string;
}

/**
 * Checks an image file given on the command line the way `graft train` judges the files of a
 * data folder: only datasets' `imageExtensions` are images (a `.gif` is refused, listing the
 * accepted ones), and a missing file is "not found", not a decoding error. `undefined` when the
 * file exists and has an image extension (decoding may still fail).
 */
export async function checkImageFile(path: string): Promise<ImageFileProblem | undefined> {
  const extensionProblem = imageExtensionProblem(path);
  if (extensionProblem !== undefined) {
    return {
      code: 'FILE_FORMAT',
      problem: `${extensionProblem}; images are ${imageExtensions.join(' ')}`,
    };
  }
  try {
    const stats = await stat(path);
    if (!stats.isFile()) return { code: 'FILE_FORMAT', problem: 'not a file' };
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      return { code: 'ASSET_NOT_FOUND', problem: 'not found' };
    return { code: 'FILE_FORMAT', problem: `cannot read file (${code ?? String(error)})` };
  }
}
