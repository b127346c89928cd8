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
