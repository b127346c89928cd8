import { createProgressRenderer, type ProgressRenderer } from './progress/progress-renderer.js';

/** Where a command writes: stdout for results, stderr for messages, honouring --quiet/--json. */
export interface CommandOutput {
  /** Results (tables, JSON): always printed. */
  result(text: string): void;
  /** Progress and information: hidden by --quiet. */
  info(text: string): void;
  /** Details: shown only with --verbose. */
  verbose(text: string): void;
  /** Errors: always printed to stderr. */
  error(text: string): void;
  /** A progress renderer suited to the output: TTY bar, plain lines, or none (--quiet, --json). */
  progress(): ProgressRenderer;
  /** Whether --json was given. */
  readonly json: boolean;
  /** Whether --verbose was given. */
  readonly isVerbose: boolean;
}

/** Options of {@link createOutput}. */
export interface OutputOptions {
  /** Hide information messages. */
  quiet?: boolean;
  /** Show details. */
  verbose?: boolean;
  /** Machine-readable output. */
  json?: boolean;
  /** Sink for stdout (tests capture it). Default `process.stdout.write`. */
  stdout?: (text: string) => void;
  /** Sink for stderr. Default `process.stderr.write`. */
  stderr?: (text: string) => void;
}

/** Creates the output of one CLI invocation. Options are read lazily (commander parses later). */
export function createOutput(options: () => OutputOptions): CommandOutput {
  const stdout = (text: string) =>
    (options().stdout ?? ((t) => process.stdout.write(t)))(`${text}\n`);
  const stderr = (text: string) =>
    (options().stderr ?? ((t) => process.stderr.write(t)))(`${text}\n`);
  const info = (text: string) => {
    if (!options().quiet && !options().json) stderr(text);
  };
  return {
    result: stdout,
    info,
    verbose: (text) => {
      if (options().verbose) stderr(text);
    },
    error: stderr,
    progress: () => {
      const current = options();
      const style =
        current.quiet || current.json
          ? 'none'
          : current.stderr === undefined && process.stderr.isTTY
            ? 'tty'
            : 'plain';
      return createProgressRenderer({ style, write: info });
    },
    get json() {
      return options().json === true;
    },
    get isVerbose() {
      return options().verbose === true;
    },
  };
}
