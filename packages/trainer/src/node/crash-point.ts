/** Environment variable naming the point {@link crashPoint} kills the process at (test-only). */
export const crashPointVariable = 'GRAFT_TEST_CRASH_AT';

const reached = new Map<string, number>();

/**
 * Test-only hook: with `GRAFT_TEST_CRASH_AT=<point>` (or `<point>:<n>` for the n-th time, default
 * the first) the process kills itself with SIGKILL when it reaches `point`, so crash tests stop
 * a run at an exact moment instead of racing a timer. Does nothing when the variable is unset;
 * never set it outside tests.
 */
export function crashPoint(point: string): void {
  const wanted = process.env[crashPointVariable];
  if (wanted === undefined || wanted === '') return;
  const [name, nth = '1'] = wanted.split(':');
  if (name !== point) return;
  const count = (reached.get(point) ?? 0) + 1;
  reached.set(point, count);
  // SIGKILL sent to oneself is delivered before kill() returns: nothing after this runs.
  if (count === Number(nth)) process.kill(process.pid, 'SIGKILL');
}
