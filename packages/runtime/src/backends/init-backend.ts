import { UnknownNameError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { registerFusedGradients } from '../fused-gradients/register-fused-gradients.js';
import { guardWasmAllocations } from '../memory/guard-wasm-allocations.js';
import { registerWasmTrainingKernels } from '../wasm-kernels/register-wasm-training-kernels.js';
import {
  type BackendCandidate,
  type BackendEnvironment,
  candidatesFor,
  detectEnvironment,
} from './backend-candidate.js';
import type { BackendReport, CandidateOutcome } from './backend-report.js';
import { BackendUnavailableError } from './backend-unavailable-error.js';
import { classifyLoadError } from './classify-load-error.js';

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * Use only this candidate (`node-gpu`, `node`, `wasm`, `cpu` in Node; `webgpu`, `webgl`,
   * `wasm`, `cpu` in a browser) and fail if it is unavailable. Default: the first that works.
   */
  prefer?: string;
  /** Environment whose candidates are tried. Default: detected (`node` when `process.versions.node` exists). */
  environment?: BackendEnvironment;
  /**
   * Where the wasm backend finds its `.wasm` files (a directory URL or path ending in `/`), for
   * bundlers and CDNs. Default: the package's own `dist` folder.
   */
  wasmPaths?: string;
  /**
   * Imports a package by name. Default: dynamic `import()`. Tests and unusual bundlers replace
   * it.
   */
  importModule?: (specifier: string) => Promise<unknown>;
}

// A variable specifier keeps bundlers and tsc from resolving optional native packages.
const dynamicImport = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ specifier);

/**
 * Chooses and activates the fastest available tfjs backend, and says why every faster one was
 * not used. Node: tfjs-node-gpu → tfjs-node → wasm → cpu; browser: webgpu → webgl → wasm → cpu.
 * With `prefer`, only that candidate is tried and a failure throws
 * {@link BackendUnavailableError} (whose `report` says why) instead of falling back silently.
 * Activating wasm also registers the gradient kernels it lacks for training convnets and guards
 * its allocator (heap exhaustion throws `OutOfMemoryError` instead of corrupting tensors).
 *
 * Unknown `prefer` names throw core's `UnknownNameError` listing the valid ones.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  const environment = options.environment ?? detectEnvironment();
  const importModule = options.importModule ?? dynamicImport;
  const candidates = candidatesFor(environment);
  let requested: BackendCandidate | undefined;
  if (options.prefer !== undefined) {
    requested = candidates.find((candidate) => candidate.name === options.prefer);
    if (requested === undefined) {
      throw new UnknownNameError({
        kind: `${environment} backend`,
        name: String(options.prefer),
        validNames: candidates.map((candidate) => candidate.name),
      });
    }
  }
  const outcomes: CandidateOutcome[] = candidates.map((candidate) => ({
    name: candidate.name,
    packageName: candidate.packageName,
    tfjsBackend: candidate.tfjsBackend,
    status: 'not-tried',
  }));
  const report: BackendReport = {
    environment,
    chosen: '',
    tfjsBackend: '',
    preferred: requested !== undefined,
    candidates: outcomes,
    wasmTrainingKernels: [],
  };
  for (const [index, candidate] of candidates.entries()) {
    const outcome = outcomes[index] as CandidateOutcome;
    if (requested !== undefined && candidate.name !== requested.name) {
      outcome.status = 'not-requested';
      outcome.reason = `prefer: ${JSON.stringify(requested.name)}`;
      continue;
    }
    if (report.chosen !== '') {
      outcome.reason = `${report.chosen} comes first`;
      continue;
    }
    Object.assign(outcome, await tryCandidate(candidate, importModule, options.wasmPaths));
    if (outcome.status === 'chosen') {
      report.chosen = candidate.name;
      report.tfjsBackend = tf.getBackend();
      // Global and backend-checked: falls back to tfjs-core's gradients on webgl/webgpu.
      registerFusedGradients();
      if (candidate.tfjsBackend === 'wasm') {
        report.wasmTrainingKernels = registerWasmTrainingKernels();
        guardWasmAllocations();
      }
    }
  }
  if (report.chosen === '') throw new BackendUnavailableError({ report });
  return report;
}

async function tryCandidate(
  candidate: BackendCandidate,
  importModule: (specifier: string) => Promise<unknown>,
  wasmPaths: string | undefined,
): Promise<Pick<CandidateOutcome, 'status' | 'reason' | 'error'>> {
  // tfjs-node and tfjs-node-gpu register the same backend name: reuse one already registered.
  if (tf.findBackendFactory(candidate.tfjsBackend) === null) {
    let module: unknown;
    try {
      module = await importModule(candidate.packageName);
    } catch (error) {
      const message = errorMessage(error);
      const failure = classifyLoadError(error, candidate.packageName);
      return failure === 'not-installed'
        ? {
            status: 'not-installed',
            reason: `${candidate.packageName} is not installed (${candidate.description})`,
            error: message,
          }
        : {
            status: 'load-failed',
            reason: `${candidate.packageName} is installed but failed to load: ${firstLine(message)}`,
            error: message,
          };
    }
    if (candidate.tfjsBackend === 'wasm' && wasmPaths !== undefined) {
      const setWasmPaths = (module as { setWasmPaths?: (prefix: string) => void }).setWasmPaths;
      setWasmPaths?.(wasmPaths);
    }
    if (tf.findBackendFactory(candidate.tfjsBackend) === null) {
      return {
        status: 'load-failed',
        reason: `${candidate.packageName} loaded but registered no "${candidate.tfjsBackend}" backend (a second copy of @tensorflow/tfjs-core?)`,
      };
    }
  }
  let active = false;
  let initError: unknown;
  try {
    active = await tf.setBackend(candidate.tfjsBackend);
  } catch (error) {
    initError = error;
  }
  if (!active) {
    const message =
      initError === undefined ? 'tf.setBackend returned false' : errorMessage(initError);
    return {
      status: 'init-failed',
      reason: `${candidate.tfjsBackend} backend failed to initialise: ${firstLine(message)}`,
      error: message,
    };
  }
  const problem = candidate.verify?.(tf.backend());
  if (problem !== undefined) return { status: 'init-failed', reason: problem };
  return { status: 'chosen' };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}
