import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InvalidArgumentError, type JsonValue, OutOfMemoryError } from '@graft/core';
import { workerThreadEntry } from '@graft/core/node';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { GradientComputer, GradientRequest } from '../training/gradient-computer.js';
import { clipByGlobalNorm, type StepGradients } from '../training/gradients.js';
import { canonicalWeights } from './canonical-weights.js';
import { preorderLayers } from './preorder-layers.js';
import type {
  FromTrainingWorkerMessage,
  StepMessage,
  TrainingWorkerData,
  WeightSlot,
} from './training-worker-protocol.js';
import type { WorkerErrorMessage } from './worker-error-message.js';

/** Options of {@link createTrainingWorkerPool}. */
export interface TrainingWorkerPoolOptions {
  /**
   * The app's module (URL or absolute path) that builds the backbone in each worker — the same
   * module as `createFeatureWorkerPool`'s: it exports `createFeatureBackbone(data)` (or a default
   * function) returning the main thread's backbone architecture, after initialising the tfjs
   * backend (on wasm, `initBackend` from `@graft/runtime`, which registers the training kernels).
   * Its weights need not match: the main thread's are copied in before every step.
   */
  workerModule: URL | string;
  /** JSON passed to the module's function (backbone name, options, backend…). */
  workerData?: JsonValue;
  /**
   * Worker threads, each with a replica of backbone and head and (on wasm) its own heap: memory
   * grows by one model plus one micro-batch's activations per worker. Default: the number of CPUs.
   */
  workers?: number;
  /** Cancels starting the workers (they are terminated). */
  signal?: AbortSignal;
}

/** Worker threads computing fine-tuning gradients; a {@link GradientComputer} for `train`. */
export interface TrainingWorkerPool extends GradientComputer {
  /** Number of worker threads. */
  readonly workers: number;
  /** Live tensors in each worker after its last answer (for leak checks). */
  readonly workerTensors: readonly number[];
  /**
   * Wall-clock seconds of the last step's phases: `prepare` (master weights into the shared
   * buffer, inputs read) and `combine` (gradients summed, BatchNorm statistics, tensors made) run
   * in this thread, serially; `compute` is the workers' parallel part.
   */
  readonly lastStepSeconds: { prepare: number; compute: number; combine: number } | undefined;
  /** Terminates the workers (freeing their models and heaps). Idempotent. */
  close(): Promise<void>;
}

interface Slot {
  index: number;
  worker: Worker;
  tensors: number;
  pending?: {
    resolve: (message: Extract<FromTrainingWorkerMessage, { type: 'gradients' }>) => void;
    reject: (error: Error) => void;
    what: string;
  };
}

/** A BatchNormalization moving statistic: how to combine the workers' updates exactly. */
interface MovingStatistic {
  /** Index in the canonical weights. */
  index: number;
  /** The layer's momentum μ. */
  momentum: number;
}

/**
 * Starts `workers` threads, each building the backbone through `workerModule`, and resolves once
 * all are ready. Each step (`computeGradients`):
 * 1. the master weights (every backbone and head weight) are written into one shared buffer,
 *    which each worker copies into its replica, with the main thread's trainable flags;
 * 2. the batch's micro-batches are split into contiguous runs, one per worker, so every
 *    BatchNorm batch statistic covers the same rows as in one thread;
 * 3. each worker writes its summed gradients into its region of one shared buffer; the regions
 *    are added in worker order (deterministic), clipped by global norm when asked;
 * 4. BatchNorm moving statistics are combined as the sequential update would have left them:
 *    the update `m ← μ·m + (1−μ)·x` is linear, so with worker `i` running `kᵢ` micro-batches from
 *    `m₀` to `mᵢ`, folding `m ← mᵢ + μ^kᵢ·(m − m₀)` over the workers in order is exact.
 * The optimiser stays in the caller's thread, so every replica is the master copy at each step.
 */
export async function createTrainingWorkerPool(
  options: TrainingWorkerPoolOptions,
): Promise<TrainingWorkerPool> {
  const count = options.workers ?? availableParallelism();
  if (!Number.isInteger(count) || count < 1) {
    throw new InvalidArgumentError({
      argument: 'workers',
      value: options.workers,
      expected: 'must be an integer >= 1',
    });
  }
  options.signal?.throwIfAborted();
  const moduleUrl =
    options.workerModule instanceof URL
      ? options.workerModule.href
      : options.workerModule.startsWith('file:')
        ? options.workerModule
        : pathToFileURL(options.workerModule).href;
  const entry = workerThreadEntry({
    moduleUrl: import.meta.url,
    builtFile: 'training-worker-thread.js',
    bootstrapFile: 'training-worker-bootstrap.mjs',
    packageName: '@graft/trainer',
  });
  const slots: Slot[] = Array.from({ length: count }, (_, index) => {
    const workerData: TrainingWorkerData = {
      module: moduleUrl,
      data: options.workerData ?? null,
      index,
    };
    return {
      index,
      worker: new Worker(entry.url, {
        workerData,
        ...(entry.execArgv ? { execArgv: entry.execArgv } : {}),
      }),
      tensors: 0,
    };
  });
  let failure: Error | undefined;
  let closed = false;
  let nextId = 0;
  const terminateAll = () => Promise.all(slots.map((slot) => slot.worker.terminate()));
  // A dead or failed worker leaves a step without its rows: every later step fails too.
  const fail = (error: Error) => {
    failure ??= error;
    for (const slot of slots) {
      slot.pending?.reject(error);
      slot.pending = undefined;
    }
    void terminateAll();
  };

  const ready = slots.map(
    (slot) =>
      new Promise<void>((resolve, reject) => {
        slot.worker.on('message', (message: FromTrainingWorkerMessage) => {
          if (message.type === 'ready') {
            slot.tensors = message.tensors;
            resolve();
            return;
          }
          const pending = slot.pending;
          slot.pending = undefined;
          if (message.type === 'gradients') {
            slot.tensors = message.tensors;
            pending?.resolve(message);
            return;
          }
          const error = workerError(slot.index, message, pending?.what);
          if (message.id === undefined) {
            reject(error);
            fail(error);
            return;
          }
          // A step that threw may have left the replica half-updated: no more steps.
          pending?.reject(error);
          fail(error);
        });
        slot.worker.on('error', (cause) => {
          const error = new Error(
            `Training worker ${slot.index} crashed: ${cause instanceof Error ? cause.message : String(cause)}`,
            { cause },
          );
          reject(error);
          fail(error);
        });
        slot.worker.on('exit', (code) => {
          if (closed) return;
          const error = new Error(`Training worker ${slot.index} exited (code ${code}).`);
          reject(error);
          fail(error);
        });
      }),
  );
  const onAbort = () => fail(new Error('Starting the training workers was aborted.'));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.all(ready);
  } catch (error) {
    closed = true;
    await terminateAll();
    throw options.signal?.aborted ? options.signal.reason : error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }

  // Shared buffers, reallocated when the models or the trainable set change size.
  let weightBuffer = new SharedArrayBuffer(0);
  let gradientBuffer = new SharedArrayBuffer(0);

  let lastStepSeconds: TrainingWorkerPool['lastStepSeconds'];
  const computeGradients = async (request: GradientRequest): Promise<StepGradients> => {
    const started = performance.now();
    if (closed) throw new Error('The training worker pool is closed.');
    if (failure) throw failure;
    const rows = request.inputs.shape[0] ?? 0;
    if (rows === 0) {
      throw new InvalidArgumentError({
        argument: 'inputs',
        value: request.inputs.shape,
        expected: 'must hold at least one row',
      });
    }
    const microBatchSize = Math.max(1, Math.min(request.microBatchSize, rows));
    const microBatches = Math.ceil(rows / microBatchSize);
    // Contiguous runs of whole micro-batches; with fewer micro-batches than workers some rest.
    const shares = slots
      .map((slot) => {
        const first = Math.floor((slot.index * microBatches) / count);
        const end = Math.floor(((slot.index + 1) * microBatches) / count);
        return {
          slot,
          microBatches: end - first,
          start: first * microBatchSize,
          end: Math.min(end * microBatchSize, rows),
        };
      })
      .filter((share) => share.microBatches > 0);

    // 1. The master weights into the shared buffer.
    const weights = canonicalWeights([request.backbone.model, request.head.model]);
    const weightSlots: WeightSlot[] = [];
    let weightFloats = 0;
    for (const [index, weight] of weights.entries()) {
      weightSlots.push({ index, offset: weightFloats, shape: [...weight.shape] as number[] });
      weightFloats += sizeOf(weight.shape as number[]);
    }
    if (weightBuffer.byteLength !== weightFloats * 4) {
      weightBuffer = new SharedArrayBuffer(weightFloats * 4);
    }
    const weightView = new Float32Array(weightBuffer);
    const masterValues = await Promise.all(
      weights.map((weight) => weight.read().data() as Promise<Float32Array>),
    );
    masterValues.forEach((values, index) => {
      weightView.set(values, (weightSlots[index] as WeightSlot).offset);
    });
    const indexOf = new Map<tf.Tensor, number>(
      weights.map((weight, index) => [weight.read(), index]),
    );
    const trainableIndices = request.variables.map(({ variable, key }) => {
      const index = indexOf.get(variable);
      if (index === undefined) {
        throw new InvalidArgumentError({
          argument: 'variables',
          value: key,
          expected: 'must be weights of the backbone or the head',
        });
      }
      return index;
    });
    const gradientFloats = request.variables.reduce(
      (total, { variable }) => total + variable.size,
      0,
    );
    if (gradientBuffer.byteLength !== gradientFloats * 4 * count) {
      gradientBuffer = new SharedArrayBuffer(gradientFloats * 4 * count);
    }
    const statistics = movingStatistics(request, weights);
    const headTopology = request.head.model.toJSON() as string;
    const trainableFlags = [
      ...preorderLayers(request.backbone.model),
      ...preorderLayers(request.head.model),
    ].map((layer) => layer.trainable);

    // 2. Each worker's rows.
    const prepared = performance.now();
    const [inputValues, targetValues] = (await Promise.all([
      request.inputs.data(),
      request.targets.data(),
    ])) as [Float32Array, Float32Array];
    const rowInputs = inputValues.length / Math.max(rows, 1);
    const rowTargets = targetValues.length / Math.max(rows, 1);
    const answers = await Promise.all(
      shares.map(
        ({ slot, start, end }) =>
          new Promise<Extract<FromTrainingWorkerMessage, { type: 'gradients' }>>(
            (resolve, reject) => {
              if (failure) {
                reject(failure);
                return;
              }
              const inputs = inputValues.slice(start * rowInputs, end * rowInputs);
              const targets = targetValues.slice(start * rowTargets, end * rowTargets);
              slot.pending = {
                resolve,
                reject,
                what: `a step on rows ${start}–${end - 1} of ${rows} (micro-batch ${microBatchSize})`,
              };
              const message: StepMessage = {
                type: 'step',
                id: nextId++,
                headTopology,
                trainableFlags,
                weights: weightBuffer,
                weightSlots,
                trainableIndices,
                stateIndices: statistics.map(({ index }) => index),
                gradients: gradientBuffer,
                gradientOffset: slot.index * gradientFloats,
                inputs,
                inputShape: [end - start, ...request.inputs.shape.slice(1)],
                targets,
                batchRows: rows,
                microBatchSize,
                activation: request.activation,
              };
              slot.worker.postMessage(message, [
                inputs.buffer as ArrayBuffer,
                targets.buffer as ArrayBuffer,
              ]);
            },
          ),
      ),
    );

    // 3. Sum the workers' gradients in worker order.
    const computed = performance.now();
    const all = new Float32Array(gradientBuffer);
    const firstOffset = (shares[0] as (typeof shares)[number]).slot.index * gradientFloats;
    const sum = all.slice(firstOffset, firstOffset + gradientFloats);
    for (const share of shares.slice(1)) {
      const offset = share.slot.index * gradientFloats;
      for (let index = 0; index < gradientFloats; index++) {
        sum[index] = (sum[index] as number) + (all[offset + index] as number);
      }
    }
    let loss = 0;
    let correct = 0;
    for (const answer of answers) {
      loss += answer.loss;
      correct += answer.correct;
    }

    // 4. BatchNorm moving statistics, as the sequential update leaves them.
    statistics.forEach(({ index: weightIndex, momentum }, statisticIndex) => {
      const initial = masterValues[weightIndex] as Float32Array;
      const combined = Float32Array.from(initial);
      shares.forEach((share, shareIndex) => {
        const after = (answers[shareIndex] as (typeof answers)[number]).states[
          statisticIndex
        ] as Float32Array;
        const factor = momentum ** share.microBatches;
        for (let index = 0; index < combined.length; index++) {
          combined[index] =
            (after[index] as number) +
            factor * ((combined[index] as number) - (initial[index] as number));
        }
      });
      const weight = weights[weightIndex] as (typeof weights)[number];
      const tensor = tf.tensor(combined, weight.shape as number[]);
      weight.write(tensor);
      tensor.dispose();
    });

    let offset = 0;
    const tensors = request.variables.map(({ variable }) => {
      const values = sum.subarray(offset, offset + variable.size);
      offset += variable.size;
      return tf.tensor(values.slice(), variable.shape);
    });
    const { gradients, globalNorm } = clipByGlobalNorm(tensors, request.clipNorm);
    const result = { loss: tf.scalar(loss), correct: tf.scalar(correct), gradients, globalNorm };
    lastStepSeconds = {
      prepare: (prepared - started) / 1000,
      compute: (computed - prepared) / 1000,
      combine: (performance.now() - computed) / 1000,
    };
    return result;
  };

  return {
    workers: count,
    get lastStepSeconds() {
      return lastStepSeconds;
    },
    get workerTensors() {
      return slots.map((slot) => slot.tensors);
    },
    computeGradients,
    async close() {
      if (closed) return;
      closed = true;
      fail(new Error('The training worker pool is closed.'));
      await terminateAll();
    },
  };
}

/** Moving mean and variance of every BatchNormalization layer of the backbone and head. */
function movingStatistics(
  request: GradientRequest,
  weights: readonly tfl.LayerVariable[],
): MovingStatistic[] {
  const statistics: MovingStatistic[] = [];
  for (const layer of [
    ...preorderLayers(request.backbone.model),
    ...preorderLayers(request.head.model),
  ]) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const momentum = Number(layer.getConfig().momentum ?? 0.99);
    for (const weight of layer.weights) {
      if (!/moving_(mean|variance)/.test(weight.name)) continue;
      const index = weights.indexOf(weight);
      if (index >= 0 && !statistics.some((known) => known.index === index)) {
        statistics.push({ index, momentum });
      }
    }
  }
  return statistics;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((product, length) => product * length, 1);
}

/** The worker's error as an Error naming the worker; running out of memory → OutOfMemoryError. */
function workerError(index: number, message: WorkerErrorMessage, what: string | undefined): Error {
  const cause = Object.assign(new Error(message.message), {
    name: message.name,
    ...(message.stack ? { stack: message.stack } : {}),
  });
  const during = what ?? 'building its backbone';
  if (message.outOfMemory) {
    return new OutOfMemoryError({
      backend: message.backend ?? 'unknown',
      during: `fine-tuning in training worker ${index} (${during})`,
      advice:
        'Each worker holds its own replica and heap: lower microBatchSize, or use fewer workers (--training-workers).',
      cause,
    });
  }
  return new Error(`Training worker ${index} failed during ${during}: ${message.message}`, {
    cause,
  });
}
