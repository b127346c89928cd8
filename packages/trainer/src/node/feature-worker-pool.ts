import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InvalidArgumentError, type JsonValue } from '@graft/core';
import { workerThreadEntry } from '@graft/core/node';
import type { FeatureComputer, PreprocessedBatch } from '../features/feature-computer.js';
import { featureWorkerError } from './feature-worker-error.js';
import type {
  FeatureWorkerData,
  FromWorkerMessage,
  ToWorkerMessage,
} from './feature-worker-protocol.js';
import { workerModuleUrl } from './worker-module-url.js';

/** Options of {@link createFeatureWorkerPool}. */
export interface FeatureWorkerPoolOptions {
  /**
   * The app's module (URL or absolute path) that builds the backbone in each worker: it exports
   * `createFeatureBackbone(data)` (or a default function) returning the same `Backbone` as the
   * main thread's, after initialising the tfjs backend it should run on. Keeping this in the app
   * keeps the trainer free of backend and backbone choices.
   */
  workerModule: URL | string;
  /** JSON passed to the module's function (backbone name, options, backend…). */
  workerData?: JsonValue;
  /**
   * Worker threads, each with its own backbone (and, on wasm, its own heap): memory grows by
   * one model plus its activations per worker. Default: the number of CPUs.
   */
  workers?: number;
  /**
   * Batches sent to one worker before it answers (2 keeps it busy while its last result travels
   * back). Default 2.
   */
  batchesPerWorker?: number;
  /** Cancels starting the workers (they are terminated). */
  signal?: AbortSignal;
}

/** A pool of worker threads computing features; a {@link FeatureComputer} for `extractFeatures`. */
export interface FeatureWorkerPool extends FeatureComputer {
  /** Number of worker threads. */
  readonly workers: number;
  /** Live tensors in each worker after its last answer (for leak checks). */
  readonly workerTensors: readonly number[];
  /** Terminates the workers (freeing their models and heaps). Idempotent. */
  close(): Promise<void>;
}

interface Task {
  id: number;
  batch: PreprocessedBatch;
  resolve: (values: Float32Array) => void;
  reject: (error: unknown) => void;
  worker?: number;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface Slot {
  index: number;
  worker: Worker;
  inFlight: Map<number, Task>;
  tensors: number;
}

/**
 * Starts `workers` worker threads, each building its own backbone through `workerModule`, and
 * resolves once all are ready (a worker that fails to build its backbone rejects with its error).
 * Batches go to the least busy worker, at most `batchesPerWorker` each, with their pixel buffers
 * transferred (not copied) both ways. Call `close()` when done.
 *
 * wasm runs one thread per instance in Node, so this is how feature extraction uses every core.
 */
export async function createFeatureWorkerPool(
  options: FeatureWorkerPoolOptions,
): Promise<FeatureWorkerPool> {
  const count = options.workers ?? availableParallelism();
  if (!Number.isInteger(count) || count < 1) {
    throw new InvalidArgumentError({
      argument: 'workers',
      value: options.workers,
      expected: 'must be an integer >= 1',
    });
  }
  const batchesPerWorker = options.batchesPerWorker ?? 2;
  if (!Number.isInteger(batchesPerWorker) || batchesPerWorker < 1) {
    throw new InvalidArgumentError({
      argument: 'batchesPerWorker',
      value: options.batchesPerWorker,
      expected: 'must be an integer >= 1',
    });
  }
  options.signal?.throwIfAborted();
  const moduleUrl = workerModuleUrl(options.workerModule);
  const entry = workerThreadEntry({
    moduleUrl: import.meta.url,
    builtFile: 'feature-worker-thread.js',
    bootstrapFile: 'feature-worker-bootstrap.mjs',
    packageName: '@graft/trainer',
  });
  const slots: Slot[] = Array.from({ length: count }, (_, index) => {
    const workerData: FeatureWorkerData = {
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
      inFlight: new Map(),
      tensors: 0,
    };
  });
  const queue: Task[] = [];
  let failure: Error | undefined;
  let closed = false;
  let nextId = 0;

  const terminateAll = () => Promise.all(slots.map((slot) => slot.worker.terminate()));

  // Fails every batch in flight or queued, and every later call: a dead worker means missing rows.
  const fail = (error: Error) => {
    failure ??= error;
    for (const slot of slots) {
      for (const task of slot.inFlight.values()) settle(task, () => task.reject(error));
      slot.inFlight.clear();
    }
    for (const task of queue.splice(0)) settle(task, () => task.reject(error));
    void terminateAll();
  };

  const settle = (task: Task, action: () => void) => {
    if (task.onAbort) task.signal?.removeEventListener('abort', task.onAbort);
    action();
  };

  const dispatch = () => {
    while (queue.length > 0 && failure === undefined) {
      let best: Slot | undefined;
      for (const slot of slots) {
        if (slot.inFlight.size >= batchesPerWorker) continue;
        if (best === undefined || slot.inFlight.size < best.inFlight.size) best = slot;
      }
      if (best === undefined) return;
      const task = queue.shift() as Task;
      task.worker = best.index;
      best.inFlight.set(task.id, task);
      const message: ToWorkerMessage = {
        type: 'compute',
        id: task.id,
        pixels: task.batch.pixels,
        shape: task.batch.shape,
      };
      best.worker.postMessage(message, [task.batch.pixels.buffer as ArrayBuffer]);
    }
  };

  const ready = slots.map(
    (slot) =>
      new Promise<Extract<FromWorkerMessage, { type: 'ready' }>>((resolve, reject) => {
        slot.worker.on('message', (message: FromWorkerMessage) => {
          if (message.type === 'ready') {
            slot.tensors = message.tensors;
            resolve(message);
            return;
          }
          if (message.type === 'features') {
            slot.tensors = message.tensors;
            const task = slot.inFlight.get(message.id);
            slot.inFlight.delete(message.id);
            if (task) settle(task, () => task.resolve(message.values));
            dispatch();
            return;
          }
          const error = featureWorkerError(
            slot.index,
            message,
            slot.inFlight.get(message.id ?? -1)?.batch.shape,
          );
          if (message.id === undefined) {
            reject(error);
            fail(error);
            return;
          }
          const task = slot.inFlight.get(message.id);
          slot.inFlight.delete(message.id);
          if (task) settle(task, () => task.reject(error));
          dispatch();
        });
        slot.worker.on('error', (cause) => {
          const error = new Error(
            `Feature worker ${slot.index} crashed: ${cause instanceof Error ? cause.message : String(cause)}`,
            { cause },
          );
          reject(error);
          fail(error);
        });
        slot.worker.on('exit', (code) => {
          if (closed) return;
          const error = new Error(`Feature worker ${slot.index} exited (code ${code}).`);
          reject(error);
          fail(error);
        });
      }),
  );

  const onAbort = () => fail(new Error('Starting the feature workers was aborted.'));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let readyMessages: Awaited<(typeof ready)[number]>[];
  try {
    readyMessages = await Promise.all(ready);
  } catch (error) {
    closed = true;
    await terminateAll();
    throw options.signal?.aborted ? options.signal.reason : error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  const first = readyMessages[0] as (typeof readyMessages)[number];
  for (const [index, message] of readyMessages.entries()) {
    if (
      message.featureDim !== first.featureDim ||
      message.weightsId !== first.weightsId ||
      message.cacheIdentity !== first.cacheIdentity
    ) {
      closed = true;
      await terminateAll();
      throw new Error(
        `Feature worker ${index} built ${message.weightsId} (${message.featureDim} features, content ${message.cacheIdentity.slice(0, 16)}), worker 0 built ${first.weightsId} (${first.featureDim}, content ${first.cacheIdentity.slice(0, 16)}): the worker module must build the same backbone, with the same weights, every time.`,
      );
    }
  }

  return {
    workers: count,
    featureDim: first.featureDim,
    weightsId: first.weightsId,
    cacheIdentity: first.cacheIdentity,
    concurrency: count * batchesPerWorker,
    engine: { name: 'tfjs', detail: `${count} worker thread${count === 1 ? '' : 's'}` },
    get workerTensors() {
      return slots.map((slot) => slot.tensors);
    },
    computeFeatures(batch, callOptions = {}) {
      const { signal } = callOptions;
      return new Promise<Float32Array>((resolve, reject) => {
        if (closed) {
          reject(new Error('The feature worker pool is closed.'));
          return;
        }
        if (failure) {
          reject(failure);
          return;
        }
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        const task: Task = { id: nextId++, batch, resolve, reject };
        if (signal) {
          // The worker finishes the batch anyway; its answer is dropped.
          task.signal = signal;
          task.onAbort = () => {
            const index = queue.indexOf(task);
            if (index >= 0) queue.splice(index, 1);
            if (task.worker !== undefined) slots[task.worker]?.inFlight.delete(task.id);
            reject(signal.reason);
          };
          signal.addEventListener('abort', task.onAbort, { once: true });
        }
        queue.push(task);
        dispatch();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      fail(new Error('The feature worker pool is closed.'));
    },
  };
}
