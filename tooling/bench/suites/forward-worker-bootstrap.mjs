// Worker threads in Node 20 do not inherit the `--import tsx` loader: register it here, then load
// the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./forward-worker.ts');
