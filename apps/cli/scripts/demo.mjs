// `pnpm demo` from the repository root: runs `graft demo` from the built CLI. When the assets
// folder `../shared` sits beside the checkout (as on the project's machines and CI) and the
// variables are unset, it is used as the shared dir and weight mirror; otherwise the demo
// downloads what it needs into the cache.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const shared = resolve(repositoryRoot, '../shared');
if (existsSync(shared)) {
  process.env.GRAFT_SHARED_DIR ??= shared;
  if (process.env.GRAFT_MIRROR === undefined && existsSync(join(shared, 'weights'))) {
    process.env.GRAFT_MIRROR = join(shared, 'weights');
  }
}
const { runCli } = await import('../dist/index.js');
process.exitCode = await runCli({ arguments: ['demo', ...process.argv.slice(2)] });
