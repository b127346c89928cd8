// Worker entry when @graft/datasets runs from its TypeScript sources (vitest, tsx, pnpm bench):
// worker threads do not inherit the tsx loader, so register it here, then load the TS entry.
// The built package starts dist/node/decode-prefetch-thread.js directly and never uses this file.
import { register } from 'tsx/esm/api';

register();
await import('./decode-prefetch-thread.ts');
