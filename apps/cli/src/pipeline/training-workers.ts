import { availableParallelism } from 'node:os';
import { InvalidArgumentError } from '@graft/core';
import type { TrainingMode } from '@graft/trainer';
import { createTrainingWorkerPool, type TrainingWorkerPool } from '@graft/trainer/node';
import { featureWorkerModule } from './extraction-workers.js';
import type { FeatureWorkerSpec } from './feature-worker.js';
import type { TrainingBackboneSpec } from './training-backbone.js';

/** `--training-workers`: a count, or `auto`. */
export type TrainingWorkers = number | 'auto';

/** Parses `--training-workers <n|auto>` (undefined → auto). */
export function parseTrainingWorkers(text: string | undefined): TrainingWorkers {
  if (text === undefined || text === 'auto') return 'auto';
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError({
      argument: '--training-workers',
      value: text,
      expected: 'must be auto or an integer >= 1',
    });
  }
  return value;
}

/**
 * How many worker threads compute fine-tuning gradients. `auto`: one per CPU on wasm and cpu,
 * which run one thread per instance in Node; 1 (this thread) on tfjs-node, which already uses
 * every core, in feature-extraction mode (the head trains on cached features), and with extra
 * loss terms (distillation, CORAL), which the trainer computes in this thread.
 */
export function resolveTrainingWorkers(options: {
  requested: TrainingWorkers;
  backend: string;
  mode: TrainingMode;
  hasLossTerms: boolean;
  cpus?: number;
}): number {
  if (options.mode !== 'fine-tune' || options.hasLossTerms) return 1;
  if (options.requested !== 'auto') return options.requested;
  const singleThreaded = options.backend === 'wasm' || options.backend === 'cpu';
  return singleThreaded ? (options.cpus ?? availableParallelism()) : 1;
}

/**
 * Starts `workers` threads that each build the backbone `backbone` describes on `backend` (the
 * feature workers' module: same backend and backbone), for data-parallel fine-tuning. Each holds
 * a replica of backbone and head and (on wasm) its own heap: memory grows by one model and one
 * micro-batch's activations per worker.
 */
export function startTrainingWorkers(options: {
  /** Number of threads. */
  workers: number;
  /** The backend the main process chose. */
  backend: string;
  /** The backbone to build in each thread. */
  backbone: TrainingBackboneSpec;
}): Promise<TrainingWorkerPool> {
  const spec: FeatureWorkerSpec = { backend: options.backend, backbone: options.backbone };
  return createTrainingWorkerPool({
    workerModule: featureWorkerModule(),
    workerData: JSON.parse(JSON.stringify(spec)),
    workers: options.workers,
  });
}

/**
 * The run's training workers, started (while the data loads) when `--training-workers` resolves
 * to more than one thread; undefined when fine-tuning stays in this thread. The caller closes it.
 */
export function startTrainingWorkersFor(
  options: {
    config: {
      mode: TrainingMode;
      unfreezeFrom?: string | undefined;
      frozenPrefixCache?: 'auto' | 'off';
      augment?: string | undefined;
      loss?: string;
      classWeight?: string | undefined;
      labelSmoothing?: number;
    };
    output: { info(message: string): void };
    trainingWorkers?: TrainingWorkers;
    lossTerms?: unknown;
  },
  backend: string,
  backbone: TrainingBackboneSpec,
): Promise<TrainingWorkerPool> | undefined {
  const workers = resolveTrainingWorkers({
    requested: options.trainingWorkers ?? 'auto',
    backend,
    mode: options.config.mode,
    hasLossTerms: options.lossTerms !== undefined,
  });
  if (workers <= 1) return undefined;
  const { config } = options;
  if (
    config.unfreezeFrom !== undefined &&
    config.frozenPrefixCache !== 'off' &&
    config.augment === undefined &&
    options.lossTerms === undefined
  ) {
    // The trainer will train only the layers after the boundary on cached activations in this
    // thread (replicas run the whole backbone on pixels): starting replicas would only cost
    // their start-up and memory. If the cache falls back, the trainer says why.
    options.output.info(
      `training workers not started: the frozen-prefix cache trains the layers from ${config.unfreezeFrom} on in this thread`,
    );
    return undefined;
  }
  const hardLabelFlags = [
    ...(config.loss !== undefined && config.loss !== 'cross-entropy' ? ['--loss'] : []),
    ...(config.classWeight !== undefined ? ['--class-weight'] : []),
    ...((config.labelSmoothing ?? 0) > 0 ? ['--label-smoothing'] : []),
  ];
  if (hardLabelFlags.length > 0) {
    // The trainer computes such a loss's gradients in this thread (the replicas compute plain
    // cross-entropy), so replicas would only cost their start-up and memory.
    options.output.info(
      `training workers not started: ${hardLabelFlags.join(', ')} train${hardLabelFlags.length === 1 ? 's' : ''} in this thread`,
    );
    return undefined;
  }
  options.output.info(`starting ${workers} training workers (one replica of the model each)…`);
  const starting = startTrainingWorkers({ workers, backend, backbone });
  // Awaited later; a failure to start surfaces there, not as an unhandled rejection.
  starting.catch(() => undefined);
  return starting;
}
