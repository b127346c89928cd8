// Experiment helper (not part of CI): the 0.35 acceptance run through the real trainer, several
// recipes × seeds, features from a disk cache (first run featurises).
import { randomFlip } from '@graft/augmentation';
import { createBackbone, type MobileNetV2Options } from '@graft/backbones';
import { createHead } from '@graft/heads';
import { initBackend } from '@graft/runtime';
import { cosineSchedule } from '@graft/schedulers';
import { adam, adamw, train } from '@graft/trainer';
import { DiskFeatureStore } from '@graft/trainer/node';
import { centerCrop, openHymenoptera, useSharedMirror } from '../src/hymenoptera.js';

process.env.GRAFT_SHARED_DIR ??= '/work/shared';
useSharedMirror();
await initBackend({ prefer: 'wasm' });
const backbone = await createBackbone<MobileNetV2Options>('mobilenet_v2_0.35_224', {
  weightSource: 'teachable-machine',
  resize: centerCrop,
});
const folder = await openHymenoptera(backbone.preprocessing);
const trainData = folder.dataset('train');
const validationData = folder.dataset('val');
const featureStore = new DiskFeatureStore({ directory: '/tmp/graft-acc/store-035-train' });
const steps = Math.ceil(trainData.size / 32);
const recipes: Record<string, (seed: number) => Parameters<typeof train>[0]> = {};
const base = {
  backbone,
  trainData,
  validationData,
  mode: 'feature-extraction' as const,
  batchSize: 32,
  featureStore,
};
for (const [name, lr, epochs, cosine, wd, flip] of [
  ['adam3e-3 e20', 3e-3, 20, false, 0, false],
  ['adam1e-3 e20', 1e-3, 20, false, 0, false],
  ['adam3e-3 e20 cos', 3e-3, 20, true, 0, false],
  ['adam1e-2 e20 cos', 1e-2, 20, true, 0, false],
  ['adamw3e-3 wd1e-2 e20 cos', 3e-3, 20, true, 1e-2, false],
  ['adam3e-3 e20 cos flip2', 3e-3, 20, true, 0, true],
] as const) {
  recipes[name] = (seed) => ({
    ...base,
    seed,
    epochs,
    head: createHead('linear', { featureDim: backbone.featureDim, numClasses: 2, seed }),
    optimizer: wd > 0 ? adamw({ learningRate: lr, weightDecay: wd }) : adam({ learningRate: lr }),
    ...(cosine
      ? { schedule: cosineSchedule({ initialLearningRate: lr, totalSteps: steps * epochs }) }
      : {}),
    ...(flip ? { augmentation: randomFlip(), augmentedPasses: 2 } : {}),
  });
}
for (const [name, make] of Object.entries(recipes)) {
  const accuracies: string[] = [];
  for (const seed of [1, 2, 3, 4, 5, 7]) {
    const options = make(seed);
    const result = await train(options);
    accuracies.push(result.validation?.accuracy.toFixed(3) ?? '?');
    options.head.dispose();
    options.optimizer?.dispose();
  }
  console.log(`${name}: ${accuracies.join(' ')}`);
}
