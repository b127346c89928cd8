export { decodeBmp, isBmp } from './decoders/decode-bmp.js';
export { decodeNetpbm, isNetpbm } from './decoders/decode-netpbm.js';
export type { DecodedImage } from './decoders/decoded-image.js';
export type { DatasetBatchOptions } from './pipeline/batch-options.js';
export { type EpochOrderOptions, epochOrder } from './pipeline/epoch-order.js';
export {
  checkResizeOptions,
  defaultCropFraction,
  type ResizeGeometry,
  resizeGeometry,
} from './pipeline/resize-geometry.js';
export {
  type LoadedImage,
  type StreamBatchesOptions,
  streamBatches,
} from './pipeline/stream-batches.js';
