import { GraftError } from '@graft/core/errors';

/** The `onnxruntime-node` module (its types; the module itself is imported on demand). */
export type OnnxRuntime = typeof import('onnxruntime-node');

/** What {@link probeOnnxRuntime} found. */
export type OnnxRuntimeProbe =
  | {
      loaded: true;
      /** onnxruntime-node's version. */
      version: string;
      /** Execution providers the binary knows, `bundled: false` when their libraries are separate. */
      providers: ReadonlyArray<{ name: string; bundled: boolean }>;
    }
  | {
      loaded: false;
      /** Why it did not load: not installed, or its native binary failed. */
      reason: string;
    };

/** Imports a module by name; tests pass a failing one. */
export type ModuleImporter = (name: string) => Promise<unknown>;

/** How to add the optional dependency, quoted in every error about it. */
export const onnxRuntimeInstallHint = 'install it with `pnpm add onnxruntime-node@1.30.0`';

let loading: Promise<OnnxRuntime> | undefined;

/**
 * Imports `onnxruntime-node` once (an optional dependency: Graft installs and runs without it)
 * and returns the module. Rejects with a `BACKEND_UNAVAILABLE` GraftError naming the package
 * and how to install it when it is missing, or the loader's message when its binary fails.
 */
export function loadOnnxRuntime(importer?: ModuleImporter): Promise<OnnxRuntime> {
  if (importer) return importFrom(importer);
  loading ??= importFrom((name) => import(name));
  // A failed import is not cached: installing the package and retrying works in one process.
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

async function importFrom(importer: ModuleImporter): Promise<OnnxRuntime> {
  let imported: unknown;
  try {
    imported = await importer('onnxruntime-node');
  } catch (error) {
    const code = (error as { code?: string } | undefined)?.code;
    const missing =
      code === 'ERR_MODULE_NOT_FOUND' ||
      code === 'MODULE_NOT_FOUND' ||
      /Cannot find (package|module) 'onnxruntime-node'/.test(String(error));
    throw new GraftError({
      code: 'BACKEND_UNAVAILABLE',
      message: missing
        ? `onnxruntime-node is not installed (the ONNX Runtime engine needs it): ${onnxRuntimeInstallHint}.`
        : `onnxruntime-node could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
  const module = imported as Partial<OnnxRuntime> & { default?: Partial<OnnxRuntime> };
  // CommonJS through ESM: the named exports may only be on `default`.
  const runtime = (module.InferenceSession ? module : module.default) as OnnxRuntime | undefined;
  if (!runtime?.InferenceSession || !runtime.Tensor) {
    throw new GraftError({
      code: 'BACKEND_UNAVAILABLE',
      message: `onnxruntime-node loaded but exports no InferenceSession: ${onnxRuntimeInstallHint}.`,
    });
  }
  return runtime;
}

/** Whether onnxruntime-node loads, its version and execution providers, or why not. Never throws. */
export async function probeOnnxRuntime(importer?: ModuleImporter): Promise<OnnxRuntimeProbe> {
  try {
    const runtime = await loadOnnxRuntime(importer);
    const listed = (
      runtime as OnnxRuntime & {
        listSupportedBackends?: () => Array<{ name: string; bundled: boolean }>;
      }
    ).listSupportedBackends?.();
    return {
      loaded: true,
      version: runtime.env.versions?.node ?? runtime.env.versions?.common ?? 'unknown',
      providers: (listed ?? [{ name: 'cpu', bundled: true }]).map(({ name, bundled }) => ({
        name,
        bundled,
      })),
    };
  } catch (error) {
    return { loaded: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
