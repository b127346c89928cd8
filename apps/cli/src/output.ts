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
  /** Whether --json was given. */
  readonly json: boolean;
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
  return {
    result: stdout,
    info: (text) => {
      if (!options().quiet && !options().json) stderr(text);
    },
    verbose: (text) => {
      if (options().verbose) stderr(text);
    },
    error: stderr,
    get json() {
      return options().json === true;
    },
  };
}
