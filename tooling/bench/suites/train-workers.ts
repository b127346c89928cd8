// Workload 2 across worker threads: the same fine-tuning step as trainRow (every layer trainable,
// SGD momentum 0.9, batch 16 at 224 as micro-batches of 4), its gradients computed by
// createTrainingWorkerPool (one replica per worker, whole micro-batches per worker, gradients
// summed through a SharedArrayBuffer), the optimiser in this thread. Same `compare` key as the
// one-thread row, so PyTorch's figure stands beside each worker count.
import { availableParallelism } from 'node:os';
import { type BenchRow, measure } from '@graft/bench-kit';
import { initBackend } from '@graft/runtime';
import { createTrainingWorkerPool } from '@graft/trainer/node';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { threadCpuSeconds, threadCpuSince } from './thread-cpu.js';
import { trainBatchSize as batchSize, createTrainWorkload } from './train-workload.js';
import { type BackboneKey, liveTensors, rssMiB } from './workloads.js';

const microBatchSize = Number(process.env.GRAFT_BENCH_MICRO_BATCH ?? 4);

/** Worker counts to measure: 1, 2 and, on larger machines, every CPU. */
export function workerCounts(): number[] {
  const cpus = availableParallelism();
  return [...new Set([1, 2, cpus])].sort((a, b) => a - b);
}

export async function trainWorkersRow(
  key: BackboneKey,
  workers: number,
  runs: number,
): Promise<BenchRow> {
  await initBackend({ prefer: 'wasm' });
  const { backbone, head, variables, optimizer, images, targets, size, dispose } =
    await createTrainWorkload(key);
  const pool = await createTrainingWorkerPool({
    workerModule: new URL('./train-worker.ts', import.meta.url),
    workerData: { key },
    workers,
  });
  const tensorsBefore = liveTensors();
  // CPU time of the whole process (main thread and workers) per timed step.
  const cpuSeconds: number[] = [];
  const phases: string[] = [];
  const busiest: number[] = [];
  let threads = '';
  try {
    const row = await measure({
      suite: 'train (suites)',
      name: `fine-tune step ${key} ${size} b${batchSize} (${batchSize / microBatchSize}x${microBatchSize} micro-batches), ${workers} training worker${workers === 1 ? '' : 's'}`,
      items: batchSize,
      backend: 'wasm',
      warmup: 1,
      runs,
      compare: `train/${key}/b${batchSize}`,
      run: async () => {
        const cpuBefore = process.cpuUsage();
        const threadsBefore = threadCpuSeconds();
        const step = await pool.computeGradients({
          inputs: images,
          targets,
          activation: 'softmax',
          variables,
          microBatchSize,
          backbone,
          head,
        });
        optimizer.applyGradients({ variables, gradients: step.gradients, learningRate: 1e-3 });
        await step.loss.data();
        tf.dispose([step.loss, step.correct, step.globalNorm, ...step.gradients]);
        const cpu = process.cpuUsage(cpuBefore);
        cpuSeconds.push((cpu.user + cpu.system) / 1e6);
        const spent = threadCpuSince(threadsBefore);
        busiest.push(spent[0]?.seconds ?? Number.NaN);
        threads = spent
          .filter((entry) => entry.seconds >= 0.05)
          .map(
            (entry) => `${entry.thread.split(' ').slice(1).join(' ')} ${entry.seconds.toFixed(2)}`,
          )
          .join(', ');
        const last = pool.lastStepSeconds;
        if (last) {
          phases.push(
            `${last.prepare.toFixed(2)}/${last.compute.toFixed(1)}/${last.combine.toFixed(2)}`,
          );
        }
      },
    });
    const timed = cpuSeconds.slice(1);
    const mean = (values: number[]) =>
      values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1);
    const meanCpu = mean(timed);
    const meanBusiest = mean(busiest.slice(1));
    row.notes = `${workers} worker_threads, one wasm replica each (createTrainingWorkerPool), SGD momentum 0.9 in the main thread; CPU-seconds per step (all threads): ${meanCpu.toFixed(1)} (${timed.map((value) => value.toFixed(1)).join(', ')}), of the busiest thread: ${meanBusiest.toFixed(1)}; last step's CPU-seconds by thread (≥ 0.05): ${threads}; wall seconds per step prepare/compute/combine (main thread serial, workers parallel, main thread serial): ${phases.slice(1).join(', ')}; main-thread live tensors ${tensorsBefore} before, ${liveTensors()} after ${runs + 1} steps (optimizer slots included); worker live tensors ${pool.workerTensors.join('/')}; process RSS ${rssMiB()} MiB`;
    return row;
  } finally {
    await pool.close();
    dispose();
  }
}
