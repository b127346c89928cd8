import { defineConfig } from 'vitest/config';

// One vitest invocation runs every workspace project; each package has its own vitest.config.ts.
export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'apps/*/vitest.config.ts',
      'tooling/acceptance/vitest.config.ts',
    ],
  },
});
