import { GraftError } from './graft-error.js';

const marker = 'graft.error.LockedError';
const symbol = Symbol.for(marker);

/**
 * Another process holds the lock of a resource (a run directory being trained into). The
 * message names the resource, the holder (its pid) and what to do.
 */
export class LockedError extends GraftError {
  protected readonly [symbol] = true;
  /** The locked resource, e.g. a run directory's path. */
  readonly resource: string;
  /** Process id of the holder, when it is known. */
  readonly holderPid: number | undefined;

  constructor(options: {
    /** The locked resource, e.g. a run directory's path. */
    resource: string;
    /** Who holds it, e.g. "graft train (pid 4242 on host a, since 2026-12-06T04:00:00Z)". */
    holder: string;
    /** Process id of the holder, when it is known. */
    holderPid?: number;
    /** What the user can do. */
    advice: string;
  }) {
    super({
      code: 'LOCKED',
      message: `${options.resource} is in use by ${options.holder}. ${options.advice}`,
    });
    this.name = 'LockedError';
    this.resource = options.resource;
    this.holderPid = options.holderPid;
  }

  static override isInstance(error: unknown): error is LockedError {
    return GraftError.hasMarker(error, marker);
  }
}
