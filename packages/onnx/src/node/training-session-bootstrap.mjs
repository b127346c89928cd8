// Worker entry when @graft/onnx runs from its TypeScript sources (vitest, tsx, pnpm bench):
// worker threads do not inherit the tsx loader, so register it here, then load the TS entry.
// The built package starts dist/node/training-session-thread.js directly and never uses this file.
import { register } from 'tsx/esm/api';

register();
await import('./training-session-thread.ts');
