// Preloaded (`--import`) into the `graft train` process by e2e-graft-train.bench.ts: writes the
// process's peak RSS (KiB) to $GRAFT_BENCH_MAX_RSS_FILE at exit, since Node cannot read a
// child's resource usage.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const file = process.env.GRAFT_BENCH_MAX_RSS_FILE;
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS));
});
