import { availableParallelism } from 'node:os';
import { InvalidArgumentError } from '@graft/core';
import type { TrainingMode } from '@graft/trainer';
import { createFeatureWorkerPool, type FeatureWorkerPool } from '@graft/trainer/node';
import type { FeatureWorkerSpec } from './feature-worker.js';
import type { TrainingBackboneSpec } from './training-backbone.js';

/** `--extraction-workers`: a count, or `auto`. */
export type ExtractionWorkers = number | 'auto';

/** Parses `--extraction-workers <n|auto>` (undefined → auto). */
export function parseExtractionWorkers(text: string | undefined): ExtractionWorkers {
  if (text === undefined || text === 'auto') return 'auto';
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError({
      argument: '--extraction-workers',
      value: text,
      expected: 'must be auto or an integer >= 1',
    });
  }
  return value;
}

/**
 * How many worker threads extract features. `auto`: one per CPU on wasm and cpu, which run one
 * thread per instance in Node; 1 (this thread) on tfjs-node, which already uses every core, and
 * when fine-tuning (the backbone trains in this thread).
 */
export function resolveExtractionWorkers(options: {
  requested: ExtractionWorkers;
  backend: string;
  mode: TrainingMode;
  cpus?: number;
}): number {
  if (options.mode !== 'feature-extraction') return 1;
  if (options.requested !== 'auto') return options.requested;
  const singleThreaded = options.backend === 'wasm' || options.backend === 'cpu';
  return singleThreaded ? (options.cpus ?? availableParallelism()) : 1;
}

/**
 * The worker module's URL: the TypeScript source beside this file (vitest, tsx), or
 * dist/feature-worker.js beside the bundled binary (this code is bundled into dist/ top level).
 */
export function featureWorkerModule(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('./feature-worker.ts', import.meta.url)
    : new URL('./feature-worker.js', import.meta.url);
}

/**
 * Starts `workers` threads that each build the backbone `backbone` describes on `backend`. Each
 * holds its own model and (on wasm) its own heap: memory grows by one backbone per worker.
 */
export function startExtractionWorkers(options: {
  /** Number of threads. */
  workers: number;
  /** The backend the main process chose. */
  backend: string;
  /** The backbone to build in each thread. */
  backbone: TrainingBackboneSpec;
  /** Stops the workers. */
  signal?: AbortSignal;
}): Promise<FeatureWorkerPool> {
  const spec: FeatureWorkerSpec = { backend: options.backend, backbone: options.backbone };
  return createFeatureWorkerPool({
    workerModule: featureWorkerModule(),
    workerData: JSON.parse(JSON.stringify(spec)),
    workers: options.workers,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
