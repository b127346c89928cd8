/** Options of {@link withInterruptSignal}. */
export interface InterruptOptions {
  /** Told when the first Ctrl-C arrives. */
  onInterrupt?: () => void;
  /** The process to listen on (tests pass an EventEmitter). Default `process`. */
  target?: Pick<NodeJS.Process, 'on' | 'off'>;
}

/**
 * Runs `task` with an AbortSignal that the first SIGINT/SIGTERM aborts, so the trainer can write
 * a resumable checkpoint and return. A second Ctrl-C exits at once with code 130 (the user
 * insists; nothing more is written).
 */
export async function withInterruptSignal<T>(
  task: (signal: AbortSignal) => Promise<T>,
  options: InterruptOptions = {},
): Promise<T> {
  const target = options.target ?? process;
  const controller = new AbortController();
  const handler = () => {
    if (controller.signal.aborted) {
      process.exit(130);
    }
    options.onInterrupt?.();
    controller.abort(new Error('interrupted (Ctrl-C)'));
  };
  target.on('SIGINT', handler);
  target.on('SIGTERM', handler);
  try {
    return await task(controller.signal);
  } finally {
    target.off('SIGINT', handler);
    target.off('SIGTERM', handler);
  }
}
