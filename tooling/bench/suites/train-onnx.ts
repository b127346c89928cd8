// Workload 2 on ONNX Runtime: the same full fine-tuning step as train.ts (every layer trainable,
// BatchNorm in training mode, SGD momentum 0.9, batch 16 at 224), with the backbone's forward and
// backward passes on `createOnnxTrainingEngine` (graphs built from the backbone's own layers) and
// the head, loss and optimiser in tfjs (`createEngineGradientComputer`): what `graft train --mode
// fine-tune` runs by default: one micro-batch per worker thread, in parallel (native memory).
import { type BenchRow, measure } from '@graft/bench-kit';
import { normalizeImages } from '@graft/core';
import { linearHead } from '@graft/heads';
import { createOnnxTrainingEngine } from '@graft/onnx/node';
import { initBackend } from '@graft/runtime';
import { createEngineGradientComputer, type OptimizedVariable, sgd } from '@graft/trainer';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { type BackboneKey, createRandomBackbone, liveTensors } from './workloads.js';

const batchSize = 16;
const size = 224;
const classes = 1000;

export async function trainOnnxRow(
  key: BackboneKey,
  workers: number,
  threads: number,
  runs: number,
): Promise<BenchRow> {
  await initBackend({ prefer: 'wasm' });
  const tensorsBefore = liveTensors();
  const backbone = await createRandomBackbone(key);
  backbone.unfreeze();
  const head = linearHead({ featureDim: backbone.featureDim, numClasses: classes, seed: 1 });
  const variables: OptimizedVariable[] = [
    ...backbone.model.trainableWeights,
    ...head.model.trainableWeights,
  ].map((weight, index) => ({
    key: `${index}/${weight.name}`,
    variable: weight.read() as tf.Variable,
  }));
  const optimizer = sgd({ learningRate: 1e-3, momentum: 0.9 });
  const pixels = tf.randomUniform([batchSize, size, size, 3], 0, 255, 'float32', 1);
  const images = normalizeImages(pixels as tf.Tensor4D, backbone.preprocessing);
  pixels.dispose();
  const targets = tf.oneHot(tf.randomUniform([batchSize], 0, classes, 'int32', 2), classes);
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
  tf.dispose([images, targets]);
  optimizer.dispose();
  head.dispose();
  backbone.dispose();
  row.notes = `${variables.length} trainable tensors, SGD momentum 0.9 in tfjs (wasm), backbone forward/backward on ONNX Runtime (graphs built from the backbone, ${engine.compiledGraphs} compiled); CPU-seconds per step (all threads) ${cpuSeconds.map((value) => value.toFixed(1)).join(', ')}; live tensors: ${tensorsBefore} before, ${tensorsWithModel} with model+data, ${tensorsAfterRuns} after ${runs + 1} steps (optimizer slots included), ${liveTensors()} after dispose`;
  return row;
}
