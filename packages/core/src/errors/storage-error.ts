import { GraftError } from './graft-error.js';

const marker = 'graft.error.StorageError';
const symbol = Symbol.for(marker);

/**
 * The file system refused a write: the disk is full, the file system is read-only, or the
 * process may not write there. The message names the path, the reason and what to do, which
 * Node's own errors do not (`ENOSPC: no space left on device, write` names no file).
 */
export class StorageError extends GraftError {
  protected readonly [symbol] = true;
  /** The file or directory that could not be written. */
  readonly path: string;

  constructor(options: {
    /** The file or directory that could not be written. */
    path: string;
    /** What went wrong, e.g. "no space left on the device". */
    reason: string;
    /** What the user can do, e.g. "Free up space or choose another --out." */
    advice: string;
    /** The underlying error, if any. */
    cause?: unknown;
  }) {
    super({
      code: 'STORAGE',
      message: `Cannot write ${options.path}: ${options.reason}. ${options.advice}`,
      cause: options.cause,
    });
    this.name = 'StorageError';
    this.path = options.path;
  }

  static override isInstance(error: unknown): error is StorageError {
    return GraftError.hasMarker(error, marker);
  }
}
