import { compareCodeUnits, splitRank } from '../image-extensions.js';
import { contentKey } from './content-key.js';
import { mapLimited } from './map-limited.js';
import { readImageBytes } from './read-image-bytes.js';
import { type ImageFile, type ImageFolderScan, scanImageFolder } from './scan-image-folder.js';

/** Options of {@link scanMultiLabelFolder}. */
export interface ScanMultiLabelFolderOptions {
  /** The folder: class folders, or `train/ val/ test/` each holding class folders. */
  root: string;
  /** `error` (default): an empty class folder is an error. `skip`: it is reported instead. */
  onBadImage?: 'error' | 'skip';
  /** Files read at once while hashing. Default 8. */
  concurrency?: number;
}

/** What {@link scanMultiLabelFolder} found. */
export interface MultiLabelFolderScan extends ImageFolderScan {
  /** One entry per distinct image (per split), each with every label it was filed under. */
  files: ImageFile[];
  /** Images filed under more than one label. 0 means the folder is single-label. */
  multiLabelImages: number;
}

/**
 * Reads a class-folder tree as multi-label data. Convention: an image belongs to every class
 * folder holding a copy of it (same bytes, by sha1 of the content, whatever the file names), so
 * `ant/0001.jpg` and `insect/0001.jpg` with equal bytes make one image labelled `ant insect`.
 * Copies in different splits stay separate images. Each image keeps the path of its first copy
 * (by class order); `labelSet` lists its labels ascending. Reads every file once to hash it.
 */
export async function scanMultiLabelFolder(
  options: ScanMultiLabelFolderOptions,
): Promise<MultiLabelFolderScan> {
  const scan = await scanImageFolder({
    root: options.root,
    ...(options.onBadImage ? { onBadImage: options.onBadImage } : {}),
  });
  const keys = await mapLimited({
    items: scan.files,
    limit: options.concurrency ?? 8,
    map: async (file) => contentKey(await readImageBytes(file.path)),
  });
  const byContent = new Map<string, { file: ImageFile; labels: Set<number> }>();
  scan.files.forEach((file, index) => {
    const identity = `${file.split ?? ''}:${keys[index]}`;
    const entry = byContent.get(identity);
    if (entry === undefined) byContent.set(identity, { file, labels: new Set([file.label]) });
    else entry.labels.add(file.label);
  });
  let multiLabelImages = 0;
  const files = [...byContent.values()]
    .map(({ file, labels }): ImageFile => {
      const labelSet = [...labels].sort((a, b) => a - b);
      if (labelSet.length > 1) multiLabelImages++;
      return { ...file, label: labelSet[0] as number, labelSet };
    })
    .sort(
      (a, b) =>
        (a.split === undefined || b.split === undefined
          ? 0
          : splitRank(a.split) - splitRank(b.split)) || compareCodeUnits(a.path, b.path),
    );
  return { ...scan, files, multiLabelImages };
}
