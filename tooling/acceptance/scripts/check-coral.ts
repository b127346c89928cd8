// Experiment helper (not part of CI): Deep CORAL on the head's logits, MobileNetV2 0.35 (TM)
// features, ants/bees train as the labelled source, val through a fixed domain shift
// (grayscale, or a strong colour shift) as the unlabelled target; target accuracy for several
// CORAL weights (0 = no CORAL), over seeds.
import { colorJitter, compose, gaussianBlur, randomGrayscale } from '@graft/augmentation';
import { createBackbone, type MobileNetV2Options } from '@graft/backbones';
import type { ImageAugmentation, ImageDataset } from '@graft/core';
import { createHead } from '@graft/heads';
import { initBackend } from '@graft/runtime';
import { cosineSchedule } from '@graft/schedulers';
import { adam, coral, train } from '@graft/trainer';
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
const featureStore = new DiskFeatureStore({ directory: '/tmp/graft-distill/store-coral' });

/** `data` through a fixed (seeded) transformation, with keys naming it (cache-safe). */
function shifted(data: ImageDataset, name: string, op: ImageAugmentation): ImageDataset {
  return {
    classNames: data.classNames,
    size: data.size,
    labels: () => data.labels(),
    async *batches(options) {
      let index = 0;
      for await (const batch of data.batches(options)) {
        const out = op.apply(batch, { seed: 1000 + index++, numClasses: data.classNames.length });
        batch.images.dispose();
        yield {
          ...batch,
          images: out.images,
          labels: batch.labels,
          ...(batch.keys ? { keys: batch.keys.map((key) => `${key}|${name}`) } : {}),
        };
        if (out.labels !== batch.labels) out.labels.dispose();
      }
    },
  };
}

const shifts: Record<string, ImageAugmentation> = {
  grayscale: randomGrayscale({ probability: 1 }),
  colour: colorJitter({
    brightness: [0.5, 0.6],
    saturation: [2, 2.5],
    hue: [0.15, 0.2],
    probability: 1,
  }),
  'blur+gray': compose([
    randomGrayscale({ probability: 1 }),
    gaussianBlur({ kernelSize: 9, sigma: [2.5, 3] }),
  ]),
};
const weights = (process.env.WEIGHTS ?? '0,1,10,100').split(',').map(Number);
for (const [name, op] of Object.entries(shifts)) {
  const target = shifted(validationData, name, op);
  for (const seed of [1, 2, 7]) {
    const cells: string[] = [];
    for (const weight of weights) {
      const head = createHead('linear', { featureDim: backbone.featureDim, numClasses: 2, seed });
      const optimizer = adam({ learningRate: 1e-2 });
      const result = await train({
        backbone,
        head,
        trainData,
        validationData: target,
        mode: 'feature-extraction',
        epochs: 20,
        batchSize: 32,
        optimizer,
        schedule: cosineSchedule({ initialLearningRate: 1e-2, totalSteps: 8 * 20 }),
        featureStore,
        seed,
        ...(weight > 0 ? { lossTerms: [coral({ targetData: target, weight })] } : {}),
      });
      const last = result.history.at(-1);
      cells.push(
        `w${weight} ${result.validation?.accuracy.toFixed(3)}${weight > 0 ? ` (coral ${last?.coral_loss?.toExponential(2)})` : ''}`,
      );
      head.dispose();
      optimizer.dispose();
    }
    console.log(`[coral ${name} seed ${seed}] target accuracy: ${cells.join(' | ')}`);
  }
}
