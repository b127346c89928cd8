/** Why a candidate's package could not be imported. */
export type LoadFailure = 'not-installed' | 'load-failed';

/**
 * Tells "the package is not installed" from "the package is there but its native library (or
 * something it imports) failed to load". A missing `.node` binding or `libtensorflow.so` is the
 * second kind even when Node reports it as MODULE_NOT_FOUND.
 */
export function classifyLoadError(error: unknown, packageName: string): LoadFailure {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const missingModule =
    code === 'ERR_MODULE_NOT_FOUND' ||
    code === 'MODULE_NOT_FOUND' ||
    /Cannot find (package|module)|Failed to (load|resolve) (url|module)|Failed to fetch dynamically imported module/i.test(
      message,
    );
  if (!missingModule) return 'load-failed';
  // Node: "Cannot find package '@tensorflow/tfjs-node' imported from …"; the missing thing must be
  // the package itself (or its entry point), not a file the package loads.
  const quoted = /['"]([^'"]+)['"]/.exec(message)?.[1];
  if (quoted === undefined) return 'not-installed';
  return quoted === packageName ||
    quoted.startsWith(`${packageName}/`) ||
    quoted.endsWith(`/node_modules/${packageName}`)
    ? 'not-installed'
    : 'load-failed';
}
