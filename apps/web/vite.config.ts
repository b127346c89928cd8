import { readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

const require = createRequire(import.meta.url);
const wasmDist = dirname(
  require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'),
);
const wasmFiles = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
];

/** Ships the wasm backend's binaries as `wasm/*.wasm` (initBackend's `wasmPaths` points there). */
function tfjsWasmFiles(): Plugin {
  return {
    name: 'graft-tfjs-wasm-files',
    generateBundle() {
      for (const file of wasmFiles) {
        this.emitFile({
          type: 'asset',
          fileName: `wasm/${file}`,
          source: readFileSync(join(wasmDist, file)),
        });
      }
    },
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const file = wasmFiles.find((name) => request.url?.endsWith(`/wasm/${name}`));
        if (file === undefined) return next();
        response.setHeader('Content-Type', 'application/wasm');
        response.end(readFileSync(join(wasmDist, file)));
      });
    },
  };
}

/**
 * Node built-ins reached by the packages' Node-only code paths (weights from disk, atomic
 * writes), which the browser never runs: each becomes a module whose functions throw if called.
 * Vite's own browser-external stub has no named exports, so bundling would fail.
 */
function nodeBuiltinStubs(): Plugin {
  const prefix = '\0graft-node-stub:';
  const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
  return {
    name: 'graft-node-builtin-stubs',
    enforce: 'pre',
    resolveId(id) {
      return builtins.has(id) ? `${prefix}${id.replace(/^node:/, '')}` : undefined;
    },
    load(id) {
      if (!id.startsWith(prefix)) return undefined;
      const name = id.slice(prefix.length);
      const names = Object.keys(require(name) as object).filter(
        (key) => /^[A-Za-z_$][\w$]*$/.test(key) && key !== 'default',
      );
      const body = names
        .map((key) => `export const ${key} = unavailable(${JSON.stringify(key)});`)
        .join('\n');
      return `function unavailable(key) { return () => { throw new Error('node:${name} ' + key + ' is not available in the browser'); }; }\n${body}\nexport default {};`;
    },
  };
}

export default defineConfig({
  root: 'app',
  base: './',
  // Workspace packages are bundled from their built dist (turbo builds them first).
  resolve: { conditions: [...defaultClientConditions] },
  // One bundle of tfjs (core, layers, three backends) and the packages: ~5.3 MB, 1.2 MB gzipped.
  build: { outDir: '../dist/app', emptyOutDir: true, chunkSizeWarningLimit: 6144 },
  plugins: [nodeBuiltinStubs(), tfjsWasmFiles()],
});
