import { type BackendReport, initBackend } from '@graft/runtime';

// Bundled apps cannot import packages by name at run time: give initBackend the bundled ones.
const loaders: Record<string, () => Promise<unknown>> = {
  '@tensorflow/tfjs-backend-webgl': () => import('@tensorflow/tfjs-backend-webgl'),
  '@tensorflow/tfjs-backend-wasm': () => import('@tensorflow/tfjs-backend-wasm'),
  '@tensorflow/tfjs-backend-cpu': () => import('@tensorflow/tfjs-backend-cpu'),
};

let ready: Promise<BackendReport> | undefined;

/**
 * Activates the best browser backend once (webgpu → webgl → wasm → cpu; `?backend=wasm` in the
 * page URL forces one) and shows the choice in the header.
 */
export function ensureBackend(): Promise<BackendReport> {
  ready ??= (async () => {
    const prefer = new URLSearchParams(location.search).get('backend') ?? undefined;
    const report = await initBackend({
      environment: 'browser',
      ...(prefer ? { prefer } : {}),
      wasmPaths: new URL('wasm/', document.baseURI).href,
      importModule: async (name) => {
        const load = loaders[name];
        if (load === undefined)
          throw new Error(`Cannot find module '${name}' (not bundled in this app)`);
        return load();
      },
    });
    const status = document.getElementById('backend-status');
    if (status) {
      const skipped = report.candidates
        .filter(
          (candidate) =>
            candidate.status !== 'chosen' && candidate.reason && candidate.status !== 'not-tried',
        )
        .map((candidate) => `${candidate.name}: ${candidate.reason}`)
        .join('\n');
      status.textContent = `backend: ${report.chosen}`;
      status.title = skipped;
    }
    return report;
  })();
  return ready;
}
