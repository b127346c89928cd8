import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InvalidArgumentError } from '@graft/core';
import { workerThreadEntry } from '@graft/core/node';
import * as tf from '@tensorflow/tfjs-core';
import type { GradientRequest } from '../training/gradient-computer.js';
import { clipByGlobalNorm, type StepGradients } from '../training/gradients.js';
import { canonicalWeights } from './canonical-weights.js';
import { movingStatistics, writeCombinedStatistics } from './moving-statistics.js';
import { preorderLayers } from './preorder-layers.js';
import { shareMasterWeights, trainableWeightIndices } from './share-master-weights.js';
import { splitMicroBatches } from './split-micro-batches.js';
import { sumRegions } from './sum-regions.js';
import { trainingWorkerError } from './training-worker-error.js';
import type {
  TrainingWorkerPool,
  TrainingWorkerPoolOptions,
} from './training-worker-pool-options.js';
import type {
  FromTrainingWorkerMessage,
  StepMessage,
  TrainingWorkerData,
} from './training-worker-protocol.js';
import { workerModuleUrl } from './worker-module-url.js';

export type {
  TrainingWorkerPool,
  TrainingWorkerPoolOptions,
} from './training-worker-pool-options.js';

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
  const moduleUrl = workerModuleUrl(options.workerModule);
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
          const error = trainingWorkerError(slot.index, message, pending?.what);
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
    const shares = splitMicroBatches({ workers: count, rows, microBatchSize }).map((share) => ({
      ...share,
      slot: slots[share.worker] as Slot,
    }));

    // 1. The master weights into the shared buffer.
    const weights = canonicalWeights([request.backbone.model, request.head.model]);
    const shared = await shareMasterWeights(weights, weightBuffer);
    weightBuffer = shared.buffer;
    const { slots: weightSlots, values: masterValues } = shared;
    const trainableIndices = trainableWeightIndices(request.variables, weights);
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
    const sum = sumRegions(
      new Float32Array(gradientBuffer),
      shares.map((share) => share.slot.index * gradientFloats),
      gradientFloats,
    );
    let loss = 0;
    let correct = 0;
    for (const answer of answers) {
      loss += answer.loss;
      correct += answer.correct;
    }

    // 4. BatchNorm moving statistics, as the sequential update leaves them.
    writeCombinedStatistics({
      statistics,
      weights,
      initialValues: masterValues,
      workers: shares.map((share, shareIndex) => ({
        microBatches: share.microBatches,
        states: (answers[shareIndex] as (typeof answers)[number]).states,
      })),
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
