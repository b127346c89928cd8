#!/usr/bin/env node
import {
  closeEarlyDecodePrefetch,
  startEarlyDecodePrefetch,
} from './pipeline/early-decode-prefetch.js';

const argv = process.argv.slice(2);
// `graft train` on a folder starts decoding its images now, in a worker thread, while the
// rest of the CLI's modules load (early-decode-prefetch.ts); so these load only after.
await startEarlyDecodePrefetch(argv);
// The loop stays alive until the command returns. Some awaits hold no libuv handle —
// WebAssembly compilation (tfjs's wasm backend, h5wasm), replies from unref'd worker threads —
// and with nothing else pending Node would exit 0 in the middle of one, the command unfinished
// and its error unprinted (seen in `graft resume` and `graft train` failing on bad weights).
const keepAlive = setInterval(() => undefined, 2 ** 30);
const { runCli } = await import('./program.js');
const { registerTestBackboneIfAsked } = await import('./testing/test-backbone.js');
try {
  await registerTestBackboneIfAsked();
  process.exitCode = await runCli({ arguments: argv });
} finally {
  await closeEarlyDecodePrefetch();
  clearInterval(keepAlive);
}
