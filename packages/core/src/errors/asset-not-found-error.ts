import { GraftError } from './graft-error.js';

const marker = 'graft.error.AssetNotFoundError';
const symbol = Symbol.for(marker);

/**
 * A file (weights, data archive) could not be found locally and could not be downloaded. The
 * message names the file, every place that was searched, and where to put the file.
 */
export class AssetNotFoundError extends GraftError {
  protected readonly [symbol] = true;
  /** The file name looked for, e.g. `mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5`. */
  readonly fileName: string;
  /** Paths that were tried, in order. */
  readonly searched: readonly string[];

  constructor(options: {
    /** The file name looked for. */
    fileName: string;
    /** Paths that were tried, in order. */
    searched: readonly string[];
    /** Where a user should put the file so the next run finds it. */
    putItAt: string;
    /** The canonical download URL, if the asset has one. */
    url?: string;
    /** Why the download was not attempted or failed. */
    reason: string;
    /** The underlying error, if any. */
    cause?: unknown;
  }) {
    const lines = [
      `Could not find ${options.fileName}: ${options.reason}.`,
      options.searched.length > 0
        ? `Searched: ${options.searched.join(', ')}.`
        : 'No local path was configured.',
      options.url
        ? `Download ${options.url} and put it at ${options.putItAt}` +
          ' (or point GRAFT_MIRROR at a directory holding the canonical file names).'
        : `Put it at ${options.putItAt}.`,
    ];
    super({ code: 'ASSET_NOT_FOUND', message: lines.join(' '), cause: options.cause });
    this.name = 'AssetNotFoundError';
    this.fileName = options.fileName;
    this.searched = [...options.searched];
  }

  static override isInstance(error: unknown): error is AssetNotFoundError {
    return GraftError.hasMarker(error, marker);
  }
}
