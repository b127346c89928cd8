import { GraftError } from './graft-error.js';

const marker = 'graft.error.FileFormatError';
const symbol = Symbol.for(marker);

/** A file exists but its content is not what it should be: truncated, corrupt, wrong shapes. */
export class FileFormatError extends GraftError {
  protected readonly [symbol] = true;
  /** The offending file (path or name). */
  readonly file: string;

  constructor(options: {
    /** The offending file (path or name). */
    file: string;
    /** What is wrong, with the value found and the value expected where there are ones. */
    problem: string;
    /** The underlying error, if any. */
    cause?: unknown;
  }) {
    super({
      code: 'FILE_FORMAT',
      message: `${options.file}: ${options.problem}`,
      cause: options.cause,
    });
    this.name = 'FileFormatError';
    this.file = options.file;
  }

  static override isInstance(error: unknown): error is FileFormatError {
    return GraftError.hasMarker(error, marker);
  }
}
