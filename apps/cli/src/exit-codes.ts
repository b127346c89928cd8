/** Exit codes scripts can rely on. */
export const exitCodes = {
  /** Finished as asked. */
  success: 0,
  /** Failed for a reason not listed below. */
  failure: 1,
  /** Bad command line: unknown command or option, invalid value. */
  usage: 2,
  /** Input data or weights not found or unreadable. */
  input: 3,
  /** Out of memory on the chosen backend. */
  outOfMemory: 4,
  /** Not available yet in this version. */
  notImplemented: 69,
  /** A write was refused: disk full, read-only file system, no permission (sysexits EX_IOERR). */
  storage: 74,
  /** The run directory is in use by another graft process; retry later (sysexits EX_TEMPFAIL). */
  busy: 75,
  /** Interrupted (Ctrl-C) after cleaning up. */
  interrupted: 130,
} as const;

/** Maps a Graft error code to the exit code. */
export function exitCodeForErrorCode(code: string | undefined): number {
  switch (code) {
    case 'INVALID_ARGUMENT':
    case 'UNKNOWN_NAME':
      return exitCodes.usage;
    case 'ASSET_NOT_FOUND':
    case 'FILE_FORMAT':
    case 'CHECKSUM_MISMATCH':
    case 'DATA':
      return exitCodes.input;
    case 'OUT_OF_MEMORY':
      return exitCodes.outOfMemory;
    case 'STORAGE':
      return exitCodes.storage;
    case 'LOCKED':
      return exitCodes.busy;
    case 'ABORTED':
      return exitCodes.interrupted;
    default:
      return exitCodes.failure;
  }
}

/** Exit code of an error thrown by a command: Graft error codes, aborts and wasm OOM aborts. */
export function exitCodeForError(error: unknown): number {
  if (error instanceof Error && error.name === 'AbortError') return exitCodes.interrupted;
  return exitCodeForErrorCode((error as { code?: string } | undefined)?.code);
}
