import { defineConfig } from 'tsup';

export default defineConfig({
  entry: [
    'src/index.ts',
    'src/node/index.ts',
    'src/node/view-cut-thread.ts',
    'src/node/decode-prefetch-thread.ts',
  ],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  // tfjs is a peer and sharp/tar are native or Node-only: never bundle them.
  external: [/^@tensorflow\//, 'sharp', 'tar'],
});
