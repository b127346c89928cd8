import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/node/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  // tfjs is a peer and sharp a native addon: never bundle them.
  external: [/^@tensorflow\//, 'sharp'],
});
