export {
  type DownloadProgress,
  defaultCacheDir,
  defaultMirrorDirs,
  type ResolveAssetOptions,
  type ResolvedAsset,
  resolveAsset,
  sha256File,
} from './resolve-asset.js';
export { type WorkerThreadEntryOptions, workerThreadEntry } from './worker-thread-entry.js';
export { temporaryPathFor, writeFileAtomic } from './write-file-atomic.js';
