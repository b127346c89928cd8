/** Resolves at the first SIGINT or SIGTERM (Ctrl-C, or a service manager stopping a server). */
export function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolveStop) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolveStop(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
