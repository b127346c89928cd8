import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/testing/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  // tfjs is a peer and onnxruntime-node optional: never bundle them.
  external: [/^@tensorflow\//, 'onnxruntime-node'],
});
