/** Milliseconds from a monotonic clock where there is one (browsers, Node), else the wall clock. */
export function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}
