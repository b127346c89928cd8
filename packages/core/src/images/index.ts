// `@graft/core/images`: what reading, decoding and resizing image files needs, without tfjs. A
// thread that only decodes images (the datasets' decode prefetch) imports this instead of the
// package's main entry, whose tfjs-core costs ~0.1 CPU-s to load in every thread.
export { FileFormatError } from '../errors/file-format-error.js';
export { GraftError, type GraftErrorCode } from '../errors/graft-error.js';
export { InvalidArgumentError } from '../errors/invalid-argument-error.js';
export {
  type ResizeImageOptions,
  type RgbPixels,
  resizeImage,
} from '../preprocessing/resize-image.js';
export type { ResizePolicy } from '../types/preprocessing.js';
