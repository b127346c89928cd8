import { defineConfig } from 'tsup';

export default defineConfig({
  entry: [
    'src/index.ts',
    'src/errors/index.ts',
    'src/images/index.ts',
    'src/threads/index.ts',
    'src/testing/index.ts',
    'src/node/index.ts',
  ],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  // tfjs is a peer: never bundle it (tsup #998 bundled a peer+dev dependency otherwise).
  external: [/^@tensorflow\//],
});
