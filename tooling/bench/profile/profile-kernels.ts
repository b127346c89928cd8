// Where the time goes in the workloads that miss their targets: per-kernel wall time (tf.profile)
// of one MobileNetV2 1.0 forward (b32) and one fine-tuning step (b16 as 4x4 micro-batches) on
// wasm, and a stage split of the augment pipeline (decode vs augmentation). Not part of
// `pnpm bench`; run: node --conditions=@graft/source --import tsx tooling/bench/profile/profile-kernels.ts [forward|forward-resnet18|train|pipeline]
import { join, resolve } from 'node:path';
import { compose, normalize, randomFlip, randomResizedCrop } from '@graft/augmentation';
import { disposeBatch, type ImageBatch, normalizeImages } from '@graft/core';
import { openImageFolder } from '@graft/datasets/node';
import { linearHead } from '@graft/heads';
import { initBackend } from '@graft/runtime';
import { computeGradients, type OptimizedVariable, sgd } from '@graft/trainer';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { createRandomBackbone } from '../suites/workloads.js';

const which = process.argv[2] ?? 'forward';
await initBackend({ prefer: 'wasm' });

async function kernelTable(label: string, run: () => Promise<unknown> | unknown): Promise<void> {
  await run();
  const wallStart = performance.now();
  const info = await tf.profile(async () => {
    await run();
  });
  const wall = performance.now() - wallStart;
  const byName = new Map<string, { ms: number; calls: number }>();
  let total = 0;
  for (const kernel of info.kernels) {
    const ms = Number(kernel.kernelTimeMs);
    const entry = byName.get(kernel.name) ?? { ms: 0, calls: 0 };
    entry.ms += ms;
    entry.calls += 1;
    byName.set(kernel.name, entry);
    total += ms;
  }
  console.log(
    `\n${label}: wall ${wall.toFixed(0)} ms (with profiling), kernels ${total.toFixed(0)} ms, ${info.kernels.length} kernel calls`,
  );
  for (const [name, { ms, calls }] of [...byName].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15))
    console.log(
      `${name.padEnd(36)} ${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / total).toFixed(1).padStart(5)} % ${String(calls).padStart(5)} calls`,
    );
}

if (which === 'forward' || which === 'forward-resnet18') {
  const key = which === 'forward' ? 'mobilenet_v2_1.0' : 'resnet18';
  const backbone = await createRandomBackbone(key);
  const batch = tf.randomUniform([32, 224, 224, 3], -1, 1);
  await kernelTable(`forward ${key} b32`, async () => {
    const features = backbone.model.predict(batch) as tf.Tensor;
    await features.data();
    features.dispose();
  });
} else if (which === 'train') {
  const backbone = await createRandomBackbone('mobilenet_v2_1.0');
  backbone.unfreeze();
  const head = linearHead({ featureDim: backbone.featureDim, numClasses: 1000, seed: 1 });
  const variables: OptimizedVariable[] = [
    ...backbone.model.trainableWeights,
    ...head.model.trainableWeights,
  ].map((weight, index) => ({ key: `${index}`, variable: weight.read() as tf.Variable }));
  const optimizer = sgd({ learningRate: 1e-3, momentum: 0.9 });
  const pixels = tf.randomUniform([16, 224, 224, 3], 0, 255) as tf.Tensor4D;
  const images = normalizeImages(pixels, backbone.preprocessing);
  const targets = tf.oneHot(tf.randomUniform([16], 0, 1000, 'int32'), 1000);
  await kernelTable('fine-tune step mobilenet_v2_1.0 b16 (4x4)', async () => {
    const step = computeGradients({
      forward: (x) =>
        head.model.apply(backbone.model.apply(x, { training: true }) as tf.Tensor, {
          training: true,
        }) as tf.Tensor,
      inputs: images,
      targets,
      activation: 'softmax',
      variables,
      microBatchSize: 4,
    });
    optimizer.applyGradients({ variables, gradients: step.gradients, learningRate: 1e-3 });
    await step.loss.data();
    tf.dispose([step.loss, step.correct, step.globalNorm, ...step.gradients]);
  });
} else {
  const sharedDir =
    process.env.GRAFT_SHARED_DIR ?? resolve(import.meta.dirname, '../../../../shared');
  const folder = await openImageFolder({
    root: join(sharedDir, 'data', 'hymenoptera'),
    imageSize: [224, 224],
    resize: { mode: 'center-crop', cropFraction: 0.875, interpolation: 'bilinear' },
    onBadImage: 'skip',
  });
  const train = folder.dataset('train');
  const augmentation = compose([
    randomResizedCrop({ size: 224 }),
    randomFlip({ mode: 'horizontal', probability: 0.5 }),
    normalize({ range: [0, 1], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }),
  ]);
  const batches: ImageBatch[] = [];
  let cpu = process.cpuUsage();
  let start = performance.now();
  for await (const batch of train.batches({ batchSize: 32 })) batches.push(batch);
  let used = process.cpuUsage(cpu);
  console.log(
    `decode+resize+tensor: ${(performance.now() - start).toFixed(0)} ms wall, ${((used.user + used.system) / 1000).toFixed(0)} ms CPU (all threads) for ${train.size} images`,
  );
  cpu = process.cpuUsage();
  start = performance.now();
  for (const [index, batch] of batches.entries()) {
    const augmented = augmentation.apply(batch, { seed: index, numClasses: 2 });
    disposeBatch(augmented);
  }
  used = process.cpuUsage(cpu);
  console.log(
    `augment (crop+flip+normalize, wasm): ${(performance.now() - start).toFixed(0)} ms wall, ${((used.user + used.system) / 1000).toFixed(0)} ms CPU`,
  );
  await kernelTable('augment one batch of 32', () => {
    const augmented = augmentation.apply(batches[0] as ImageBatch, { seed: 1, numClasses: 2 });
    disposeBatch(augmented);
  });
  for (const batch of batches) disposeBatch(batch);
}
