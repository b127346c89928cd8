import { isAbsolute, posix } from 'node:path';
import { InvalidArgumentError } from '@graft/core';

/** One `--map-path <from>=<to>`: paths under `from` (as jobs name them) are under `to` here. */
export interface PathMapping {
  /** The prefix as the machine that enqueued the job sees it (absolute, no trailing slash). */
  from: string;
  /** The same folder on this worker (absolute, no trailing slash). */
  to: string;
}

/**
 * Parses `graft worker --map-path` values (`/data/on/trainer=/mnt/data`, repeatable). Both sides
 * must be absolute; a value without `=` or with a relative side is an error naming it.
 */
export function parsePathMappings(values: readonly string[]): PathMapping[] {
  return values.map((value) => {
    const separator = value.indexOf('=');
    const from = separator < 0 ? '' : trimSlash(value.slice(0, separator));
    const to = separator < 0 ? '' : trimSlash(value.slice(separator + 1));
    if (separator < 0 || !isAbsolute(from) || !isAbsolute(to)) {
      throw new InvalidArgumentError({
        argument: '--map-path',
        value,
        expected:
          'must be <path in jobs>=<path on this worker>, both absolute, e.g. /srv/data=/mnt/nfs/data',
      });
    }
    return { from, to };
  });
}

/**
 * `path` as this worker sees it: the longest mapping whose `from` is `path` or a folder above it
 * replaces that prefix (so `/data=/a` and `/data/images=/b` send `/data/images/x.jpg` to
 * `/b/x.jpg`); without one, `path` unchanged. Job paths are POSIX (workers run on Linux).
 */
export function mapPath(path: string, mappings: readonly PathMapping[]): string {
  let best: PathMapping | undefined;
  for (const mapping of mappings) {
    const under = path === mapping.from || path.startsWith(`${mapping.from}/`);
    if (under && (best === undefined || mapping.from.length > best.from.length)) best = mapping;
  }
  return best === undefined ? path : posix.join(best.to, path.slice(best.from.length));
}

/**
 * Why a job's `path` cannot be read here, for an error: the path the job names, where this
 * worker looked, and the `--map-path` that would fix it when none applied.
 */
export function describeUnreadablePath(
  path: string,
  mappings: readonly PathMapping[],
  worker: string,
): string {
  const local = mapPath(path, mappings);
  if (local !== path) {
    return `cannot be read by worker ${worker} at ${local} (mapped by --map-path); check that the mapping points at the same files`;
  }
  const mapped = mappings.map((mapping) => `${mapping.from}=${mapping.to}`).join(', ');
  return `cannot be read by worker ${worker} at that path and no --map-path maps it${mapped ? ` (mappings: ${mapped})` : ''}: mount the shared data at the same path, or start the worker with --map-path <folder in jobs>=<same folder here>`;
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
