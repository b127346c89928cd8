import type { CommandOutput } from '../output.js';

/** Names a few files left out (all of them with --verbose), so a bad data folder is visible. */
export function reportFiles(
  output: CommandOutput,
  what: string,
  files: readonly { path: string; reason: string }[],
): void {
  const shown = output.isVerbose ? files : files.slice(0, 3);
  for (const file of shown) {
    // Decoder messages can span lines and often start with the path already.
    const reason = file.reason.split('\n')[0] ?? '';
    output.info(`${what}: ${reason.startsWith(file.path) ? reason : `${file.path} (${reason})`}`);
  }
  if (shown.length < files.length) {
    output.info(`… and ${files.length - shown.length} more ${what} files (--verbose lists them)`);
  }
}
