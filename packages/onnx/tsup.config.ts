import { defineConfig } from 'tsup';

export default defineConfig({
  entry: [
    'src/index.ts',
    'src/node/index.ts',
    'src/node/onnx-session-thread.ts',
    'src/node/training-session-thread.ts',
    'src/testing/index.ts',
  ],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  // tfjs is a peer and onnxruntime-node optional: never bundle them.
  external: [/^@tensorflow\//, 'onnxruntime-node'],
});
