import { defineConfig } from 'tsup';

export default defineConfig({
  // feature-worker is loaded by URL in worker threads (--extraction-workers): its own file.
  entry: {
    main: 'src/main.ts',
    index: 'src/index.ts',
    'feature-worker': 'src/pipeline/feature-worker.ts',
    // The chart thread (src/plots/render-chart.ts) likewise.
    'chart-thread': 'src/plots/chart-thread.ts',
  },
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  banner: { js: '' },
  // The app runs from dist against installed packages: never bundle tfjs or workspace packages.
  external: [/^@tensorflow\//, /^@graft\//],
});
