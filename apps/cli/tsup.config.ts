import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/main.ts', 'src/index.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  banner: { js: '' },
  // The app runs from dist against installed packages: never bundle tfjs or workspace packages.
  external: [/^@tensorflow\//, /^@graft\//],
});
