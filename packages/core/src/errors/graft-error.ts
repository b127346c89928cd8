/**
 * Stable error codes. Scripts and apps branch on these, never on message text; adding a code is
 * a minor change, renaming or removing one is breaking.
 */
export type GraftErrorCode =
  | 'INVALID_ARGUMENT'
  | 'UNKNOWN_NAME'
  | 'ASSET_NOT_FOUND'
  | 'CHECKSUM_MISMATCH'
  | 'FILE_FORMAT'
  | 'DATA'
  | 'BACKEND_UNAVAILABLE'
  | 'OUT_OF_MEMORY'
  | 'STORAGE'
  | 'LOCKED'
  | 'ABORTED'
  | 'INTERNAL';

const marker = 'graft.error';
const symbol = Symbol.for(marker);

/**
 * Base class of every error Graft throws. `isInstance` checks a `Symbol.for` marker instead of
 * `instanceof`, so it works when two copies of `@graft/core` are installed side by side.
 */
export class GraftError extends Error {
  protected readonly [symbol] = true;
  /** Stable machine-readable code. */
  readonly code: GraftErrorCode;

  constructor(options: {
    /** Stable code, see {@link GraftErrorCode}. */
    code: GraftErrorCode;
    /** Human-readable message: what was wrong, the value received, and what would be valid. */
    message: string;
    /** The underlying error, if any. */
    cause?: unknown;
  }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GraftError';
    this.code = options.code;
  }

  /** True for any Graft error, from any copy of the package. */
  static isInstance(error: unknown): error is GraftError {
    return GraftError.hasMarker(error, marker);
  }

  /** True when `error` carries the `Symbol.for(markerName)` marker. */
  protected static hasMarker(error: unknown, markerName: string): boolean {
    const markerSymbol = Symbol.for(markerName);
    return (
      error != null &&
      typeof error === 'object' &&
      markerSymbol in error &&
      (error as Record<symbol, unknown>)[markerSymbol] === true
    );
  }
}
