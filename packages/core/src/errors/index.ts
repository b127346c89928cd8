// `@graft/core/errors`: the error classes alone, without tfjs. A worker thread that only needs
// them (ONNX Runtime's session thread) imports this instead of the package's main entry, whose
// tfjs-core costs ~0.1 CPU-s to load in every thread.
export { AssetNotFoundError } from './asset-not-found-error.js';
export { FileFormatError } from './file-format-error.js';
export { GraftError, type GraftErrorCode } from './graft-error.js';
export { InvalidArgumentError } from './invalid-argument-error.js';
export { LockedError } from './locked-error.js';
export { OutOfMemoryError } from './out-of-memory-error.js';
export { StorageError } from './storage-error.js';
export { UnknownNameError } from './unknown-name-error.js';
