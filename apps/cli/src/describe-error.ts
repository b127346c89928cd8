import { GraftError } from '@graft/core';

/**
 * One or two lines a person can act on. Graft errors already say what was wrong and what is
 * valid; other errors get their message and a hint. Stack traces (with causes) only with --verbose.
 */
export function describeError(error: unknown, verbose: boolean): string {
  const message = error instanceof Error ? error.message : String(error);
  if (verbose) {
    const parts = [`graft: ${error instanceof Error ? (error.stack ?? message) : message}`];
    let cause = error instanceof Error ? error.cause : undefined;
    while (cause !== undefined) {
      parts.push(
        `caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`,
      );
      cause = cause instanceof Error ? cause.cause : undefined;
    }
    return parts.join('\n');
  }
  if (GraftError.isInstance(error)) return `graft: ${message}`;
  return `graft: ${message.split('\n')[0]}\n(run with --verbose for details)`;
}
