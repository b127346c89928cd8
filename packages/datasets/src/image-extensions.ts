/** Extensions ImageFolder accepts (compared case-insensitively), as torchvision's `IMG_EXTENSIONS` minus GIF. */
export const imageExtensions: readonly string[] = [
  '.jpg',
  '.jpeg',
  '.png',
  '.ppm',
  '.bmp',
  '.pgm',
  '.tif',
  '.tiff',
  '.webp',
];

/**
 * Why `path` is not read as an image, judged by its extension alone (`unsupported extension
 * .gif`, `no file extension`), or `undefined` when its extension is one of
 * {@link imageExtensions}. The one rule every reader (ImageFolder, picked files, predict) uses.
 */
export function imageExtensionProblem(path: string): string | undefined {
  const name = path.split(/[\\/]/).pop() ?? '';
  const dot = name.lastIndexOf('.');
  // A leading dot names a hidden file, not an extension (Node's `extname` agrees).
  const extension = dot > 0 ? name.slice(dot).toLowerCase() : '';
  if (imageExtensions.includes(extension)) return undefined;
  return extension === '' ? 'no file extension' : `unsupported extension ${extension}`;
}

/** A split of a `train/ val/ test/` layout. */
export type SplitName = 'train' | 'val' | 'test';

/** Folder names recognised as splits (`validation` is read as `val`). */
export const splitFolders: Readonly<Record<string, SplitName>> = {
  train: 'train',
  val: 'val',
  validation: 'val',
  test: 'test',
};

/** Orders splits train, val, test. */
export function splitRank(split: SplitName): number {
  return split === 'train' ? 0 : split === 'val' ? 1 : 2;
}

/** Code-unit order, as Python's `sorted` on str (not locale-dependent). */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
