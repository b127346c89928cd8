// `@graft/core/images`: the resize every image file goes through, and the normalization of its
// bytes, without tfjs. A thread that
// only decodes images (the datasets' decode prefetch) imports this (and `@graft/core/errors`)
// instead of the package's main entry, whose tfjs-core costs ~0.1 CPU-s to load in every thread.
export { normalizePixels } from '../preprocessing/normalize-pixels.js';
export {
  type ResizeImageOptions,
  type RgbPixels,
  resizeImage,
} from '../preprocessing/resize-image.js';
export type { Preprocessing, ResizePolicy } from '../types/preprocessing.js';
