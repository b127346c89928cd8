import { defineConfig } from 'tsup';

// The Node side (the dashboard server). The browser app is built by Vite into dist/app.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  external: [/^@tensorflow\//, /^@graft\//],
});
