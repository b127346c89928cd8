/** The signals that stop a training run cleanly. */
export type InterruptSignalName = 'SIGINT' | 'SIGTERM';

/** Options of {@link withInterruptSignal}. */
export interface InterruptOptions {
  /** Told when the first SIGINT (Ctrl-C) or SIGTERM arrives, with the signal's name. */
  onInterrupt?: (signal: InterruptSignalName) => void;
  /** The process to listen on (tests pass an EventEmitter). Default `process`. */
  target?: Pick<NodeJS.Process, 'on' | 'off'>;
}

/** How a person names the signal: Ctrl-C is what sends SIGINT. */
export function describeInterruptSignal(signal: InterruptSignalName): string {
  return signal === 'SIGINT' ? 'Ctrl-C' : signal;
}

/**
 * Runs `task` with an AbortSignal that the first SIGINT/SIGTERM aborts, so the trainer can write
 * a resumable checkpoint and return. A second signal exits at once with code 130 (the user
 * insists; nothing more is written).
 */
export async function withInterruptSignal<T>(
  task: (signal: AbortSignal) => Promise<T>,
  options: InterruptOptions = {},
): Promise<T> {
  const target = options.target ?? process;
  const controller = new AbortController();
  const handlerFor = (signal: InterruptSignalName) => () => {
    if (controller.signal.aborted) {
      process.exit(130);
    }
    options.onInterrupt?.(signal);
    controller.abort(new Error(`interrupted (${describeInterruptSignal(signal)})`));
  };
  const onSigint = handlerFor('SIGINT');
  const onSigterm = handlerFor('SIGTERM');
  target.on('SIGINT', onSigint);
  target.on('SIGTERM', onSigterm);
  try {
    return await task(controller.signal);
  } finally {
    target.off('SIGINT', onSigint);
    target.off('SIGTERM', onSigterm);
  }
}
