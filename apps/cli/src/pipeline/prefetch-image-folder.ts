import {
  DecodePrefetch,
  type ImageFile,
  type ResizeTarget,
  scanImageFolder,
} from '@graft/datasets/node';

/** Options of {@link prefetchImageFolder}. */
export interface PrefetchImageFolderOptions {
  /** The image folder `graft train` reads. */
  root: string;
  /** Where the images are decoded to; omitted when not known yet (set later with `setTarget`). */
  target?: ResizeTarget;
}

// Splits in the order `graft train` extracts them.
const splitOrder = ['train', 'val', 'test'];

/**
 * Starts a {@link DecodePrefetch} of every image of the folder, in the order `graft train`
 * extracts them (train, val, test). `undefined` when the scan refuses the folder: the data
 * loading that follows reports it, as before.
 */
export async function prefetchImageFolder(
  options: PrefetchImageFolderOptions,
): Promise<DecodePrefetch | undefined> {
  const scan = await scanImageFolder({ root: options.root, onBadImage: 'skip' }).catch(
    () => undefined,
  );
  if (scan === undefined) return undefined;
  const rank = (file: ImageFile) => {
    const index = splitOrder.indexOf(file.split ?? 'train');
    return index === -1 ? splitOrder.length : index;
  };
  const files = [...scan.files].sort((a, b) => rank(a) - rank(b));
  return new DecodePrefetch({
    paths: files.map((file) => file.path),
    ...(options.target ? { target: options.target } : {}),
  });
}
