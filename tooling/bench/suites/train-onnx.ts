// Workload 2 on ONNX Runtime: the same full fine-tuning step as train.ts (every layer trainable,
// BatchNorm in training mode, SGD momentum 0.9, batch 16 at 224), with the backbone's forward and
// backward passes on `createOnnxTrainingEngine` (graphs built from the backbone's own layers) and
// the head, loss and optimiser in tfjs (`createEngineGradientComputer`): what `graft train --mode
// fine-tune` runs by default: one micro-batch per worker thread, in parallel (native memory).
import { type BenchRow, measure } from '@graft/bench-kit';
import { createOnnxTrainingEngine } from '@graft/onnx/node';
import { initBackend } from '@graft/runtime';
import { createEngineGradientComputer } from '@graft/trainer';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { trainBatchSize as batchSize, createTrainWorkload } from './train-workload.js';
import { type BackboneKey, liveTensors } from './workloads.js';

export async function trainOnnxRow(
  key: BackboneKey,
  workers: number,
  threads: number,
  runs: number,
): Promise<BenchRow> {
  await initBackend({ prefer: 'wasm' });
  const tensorsBefore = liveTensors();
  const { backbone, head, variables, optimizer, images, targets, size, dispose } =
    await createTrainWorkload(key);
  const tensorsWithModel = liveTensors();
  const engine = await createOnnxTrainingEngine({ workers, intraOpNumThreads: threads });
  const computer = createEngineGradientComputer({ engine });
  let cpuSeconds: number[] = [];
  const row = await measure({
    suite: 'train (suites)',
    name: `fine-tune step ${key} ${size} b${batchSize} (${workers}x${batchSize / workers} micro-batches), ONNX Runtime engine, ${workers} worker${workers === 1 ? '' : 's'} × ${threads} thread${threads === 1 ? '' : 's'}`,
    items: batchSize,
    backend: `onnxruntime (${engine.engine.detail})`,
    warmup: 1,
    runs,
    compare: `train/${key}/b${batchSize}`,
    run: async () => {
      const cpu = process.cpuUsage();
      const step = await computer.computeGradients({
        inputs: images,
        targets,
        activation: 'softmax',
        variables,
        microBatchSize: batchSize / workers,
        backbone,
        head,
      });
      optimizer.applyGradients({ variables, gradients: step.gradients, learningRate: 1e-3 });
      await step.loss.data();
      tf.dispose([step.loss, step.correct, step.globalNorm, ...step.gradients]);
      const used = process.cpuUsage(cpu);
      cpuSeconds.push((used.user + used.system) / 1e6);
    },
  });
  cpuSeconds = cpuSeconds.slice(1).sort((a, b) => a - b);
  const tensorsAfterRuns = liveTensors();
  await engine.close();
  dispose();
  row.notes = `${variables.length} trainable tensors, SGD momentum 0.9 in tfjs (wasm), backbone forward/backward on ONNX Runtime (graphs built from the backbone, ${engine.compiledGraphs} compiled); CPU-seconds per step (all threads) ${cpuSeconds.map((value) => value.toFixed(1)).join(', ')}; live tensors: ${tensorsBefore} before, ${tensorsWithModel} with model+data, ${tensorsAfterRuns} after ${runs + 1} steps (optimizer slots included), ${liveTensors()} after dispose`;
  return row;
}
