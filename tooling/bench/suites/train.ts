// Workload 2: one full fine-tuning step (every layer trainable, SGD momentum 0.9 as the PyTorch
// side), batch 16 at 224 as micro-batches of 4 with summed gradients, on wasm with the runtime's
// training kernels (initBackend registers them). With trainable BatchNorm, micro-batches of 8 need
// ~4.4 GiB on MobileNetV2 1.0 (over the 4 GiB wasm heap: an OutOfMemoryError; the trainer's
// default for this configuration is 4, see the trainer README); GRAFT_BENCH_MICRO_BATCH sets it.
import { type BenchRow, measure } from '@graft/bench-kit';
import { initBackend } from '@graft/runtime';
import { computeGradients } from '@graft/trainer';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { trainBatchSize as batchSize, createTrainWorkload } from './train-workload.js';
import { type BackboneKey, liveTensors } from './workloads.js';

const microBatchSize = Number(process.env.GRAFT_BENCH_MICRO_BATCH ?? 4);

export async function trainRow(key: BackboneKey, runs: number): Promise<BenchRow> {
  const report = await initBackend({ prefer: 'wasm' });
  const tensorsBefore = liveTensors();
  const { backbone, head, variables, optimizer, images, targets, size, dispose } =
    await createTrainWorkload(key);
  const tensorsWithModel = liveTensors();
  const forward = (x: tf.Tensor) =>
    head.model.apply(backbone.model.apply(x, { training: true }) as tf.Tensor, {
      training: true,
    }) as tf.Tensor;
  const row = await measure({
    suite: 'train (suites)',
    name: `fine-tune step ${key} ${size} b${batchSize} (${batchSize / microBatchSize}x${microBatchSize} micro-batches)`,
    items: batchSize,
    backend: 'wasm',
    warmup: 1,
    runs,
    compare: `train/${key}/b${batchSize}`,
    run: async () => {
      const step = computeGradients({
        forward,
        inputs: images,
        targets,
        activation: 'softmax',
        variables,
        microBatchSize,
      });
      optimizer.applyGradients({ variables, gradients: step.gradients, learningRate: 1e-3 });
      await step.loss.data();
      tf.dispose([step.loss, step.correct, step.globalNorm, ...step.gradients]);
    },
  });
  const tensorsAfterRuns = liveTensors();
  dispose();
  row.notes = `${variables.length} trainable tensors, SGD momentum 0.9, wasm training kernels: ${report.wasmTrainingKernels.length}; live tensors: ${tensorsBefore} before, ${tensorsWithModel} with model+data, ${tensorsAfterRuns} after ${runs + 1} steps (optimizer slots included), ${liveTensors()} after dispose`;
  return row;
}
