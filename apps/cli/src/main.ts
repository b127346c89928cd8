#!/usr/bin/env node
import {
  closeEarlyDecodePrefetch,
  startEarlyDecodePrefetch,
} from './pipeline/early-decode-prefetch.js';

const argv = process.argv.slice(2);
// `graft train` on a folder starts decoding its images now, in a worker thread, while the
// rest of the CLI's modules load (early-decode-prefetch.ts); so these load only after.
await startEarlyDecodePrefetch(argv);
const { runCli } = await import('./program.js');
const { registerTestBackboneIfAsked } = await import('./testing/test-backbone.js');
try {
  await registerTestBackboneIfAsked();
  process.exitCode = await runCli({ arguments: argv });
} finally {
  await closeEarlyDecodePrefetch();
}
