export { CifarDataset } from './cifar-dataset.js';
export {
  type CifarFormat,
  type CifarVariant,
  cifarFormats,
  cifarImageBytes,
} from './cifar-formats.js';
export { contentKey } from './content-key.js';
export { decodeImage, decodePixels, type ResizeTarget, resizeDecoded } from './decode-image.js';
export {
  DecodePrefetch,
  type DecodePrefetchOptions,
  type PrefetchedImage,
} from './decode-prefetch.js';
export {
  type CutViewOptions,
  cutView,
  cutViewInto,
  decodeFrame,
  type FrameTarget,
  frameSizeOf,
} from './decode-view.js';
export { type ExtractTarGzOptions, extractTarGz } from './extract-tar-gz.js';
export {
  defaultResizePolicy,
  FileImageDataset,
  type FileImageDatasetOptions,
  type ImagePipelineOptions,
} from './file-image-dataset.js';
export {
  type DuplicateFeatures,
  type FindImageDuplicatesOptions,
  findImageDuplicates,
  type ImageDuplicateReport,
} from './find-image-duplicates.js';
export {
  fortunesDirectory,
  type ReadFortunesDatasetOptions,
  readFortunesDataset,
} from './fortunes-dataset.js';
export {
  type HashImageFileOptions,
  hashImageFile,
  type ImageFileHashes,
} from './hash-image-file.js';
export { type OpenCifarOptions, openCifar } from './open-cifar.js';
export {
  type FolderDuplicateOptions,
  type ImageFolder,
  type ImageFolderInspection,
  type ImageFolderReport,
  type InspectOptions,
  type NumberStatistics,
  type OpenImageFolderOptions,
  openImageFolder,
} from './open-image-folder.js';
export {
  type OpenTextDataOptions,
  openTextData,
  type TextData,
  type TextDataReport,
  textTableExtensions,
} from './open-text-data.js';
export {
  defaultFrameScale,
  defaultPixelCacheBytes,
  PixelCache,
  type PixelCacheOptions,
  PixelCachePass,
} from './pixel-cache.js';
export { type ReadImageSizeOptions, readImageSize } from './read-image-size.js';
export {
  defaultImageColumns,
  defaultLabelColumns,
  type MultiLabelCsv,
  type ReadMultiLabelCsvOptions,
  readMultiLabelCsv,
} from './read-multi-label-csv.js';
export {
  type CifarLocationOptions,
  resolveCifarDirectory,
} from './resolve-cifar-directory.js';
export {
  type ImageFile,
  type ImageFolderScan,
  imageExtensions,
  type ScanImageFolderOptions,
  type SkippedFile,
  type SplitName,
  scanImageFolder,
} from './scan-image-folder.js';
export {
  type MultiLabelFolderScan,
  type ScanMultiLabelFolderOptions,
  scanMultiLabelFolder,
} from './scan-multi-label-folder.js';
export {
  type CreateSplitManifestOptions,
  createSplitManifest,
  type DatasetsFromManifestOptions,
  datasetsFromManifest,
  loadSplitManifest,
  saveSplitManifest,
} from './split-manifest-files.js';
export { type JpegDecoderInfo, jpegDecoder, jpegDecoderChoices } from './turbo-jpeg.js';
