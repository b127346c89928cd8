// Plain JS: vitest loads config dependencies from node_modules without transpiling them.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Where the shared real assets live (weights mirror, datasets, fixtures): `GRAFT_SHARED_DIR`, or
 * `../shared` beside the checkout. Tests read it from `process.env.GRAFT_SHARED_DIR`.
 */
export const sharedAssetsDir = process.env.GRAFT_SHARED_DIR ?? resolve(repositoryRoot, '../shared');

/** Conditions that make `@graft/*` imports resolve to the packages' TypeScript sources. */
const conditions = ['@graft/source', 'import', 'module', 'node', 'default'];

/**
 * The vitest project every package uses: reads sibling packages from `src/` (no build needed),
 * runs in Node, and gives real-model tests room (wasm MobileNetV2 on 2 cores is slow to warm up).
 *
 * @param {{ name: string, test?: import('vitest/config').UserWorkspaceConfig['test'] }} options
 *   `name`: project name in the report, e.g. `core`; `test`: extra test options over the defaults.
 */
export function graftProject(options) {
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: conditions } },
    test: {
      name: options.name,
      environment: 'node',
      include: ['src/**/*.test.ts'],
      testTimeout: 120_000,
      hookTimeout: 300_000,
      env: { GRAFT_SHARED_DIR: sharedAssetsDir },
      ...options.test,
    },
  });
}
