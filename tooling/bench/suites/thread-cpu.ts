// CPU time of each thread of this process (Linux /proc), to see how a step's work spreads over
// worker threads whatever else shares the cores: with the kernel's autogroup scheduling another
// session's load caps this process's share, so wall time alone cannot show the spread.
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime/stime (USER_HZ, 100 on Linux). */
const ticksPerSecond = 100;

/** CPU seconds (user + system) of every thread, by `<thread id> <name>`; empty without /proc. */
export function threadCpuSeconds(): Map<string, number> {
  const seconds = new Map<string, number>();
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return seconds;
  }
  for (const task of tasks) {
    try {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      seconds.set(`${task} ${name}`, (Number(fields[11]) + Number(fields[12])) / ticksPerSecond);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return seconds;
}

/** Per-thread CPU seconds spent since `before`, largest first, with the thread's name. */
export function threadCpuSince(
  before: Map<string, number>,
): Array<{ thread: string; seconds: number }> {
  const after = threadCpuSeconds();
  return [...after]
    .map(([thread, value]) => ({ thread, seconds: value - (before.get(thread) ?? 0) }))
    .sort((a, b) => b.seconds - a.seconds);
}
