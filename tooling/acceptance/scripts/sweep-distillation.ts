// Experiment helper (not part of CI): distillation of MobileNetV2 1.0 (teacher, feature
// extraction + linear head) into MobileNetV2 0.35 (student, linear head) on ants/bees, with and
// without the soft term, over seeds, temperatures and α. Features (both backbones, every
// augmented pass) are cached on disk, so only the first run per seed featurises.
import { compose, randomFlip, randomZoom } from '@graft/augmentation';
import { createBackbone, type MobileNetV2Options } from '@graft/backbones';
import type { ImageAugmentation } from '@graft/core';
import { createHead } from '@graft/heads';
import { initBackend } from '@graft/runtime';
import { cosineSchedule } from '@graft/schedulers';
import { adam, distillation, train } from '@graft/trainer';
import { DiskFeatureStore } from '@graft/trainer/node';
import { centerCrop, openHymenoptera, useSharedMirror } from '../src/hymenoptera.js';

process.env.GRAFT_SHARED_DIR ??= '/work/shared';
useSharedMirror();
await initBackend({ prefer: 'wasm' });
const teacherBackbone = await createBackbone<MobileNetV2Options>('mobilenet_v2_1.0_224', {
  resize: centerCrop,
});
const studentBackbone = await createBackbone<MobileNetV2Options>('mobilenet_v2_0.35_224', {
  weightSource: 'teachable-machine',
  resize: centerCrop,
});
const folder = await openHymenoptera(studentBackbone.preprocessing);
const trainData = folder.dataset('train');
const validationData = folder.dataset('val');
const featureStore = new DiskFeatureStore({ directory: '/tmp/graft-distill/store' });
const augmentations: Record<string, { augmentation: ImageAugmentation; passes: number }> = {
  flip2: { augmentation: randomFlip(), passes: 2 },
  flipzoom4: {
    augmentation: compose([randomFlip(), randomZoom({ scale: [0.8, 1.25] })]),
    passes: 4,
  },
};
const selected = (process.env.AUGMENT ?? 'flip2').split(',');
const seeds = (process.env.SEEDS ?? '1,2,3,7').split(',').map(Number);
const grid = [
  [2, 0.5],
  [4, 0.5],
  [4, 0.9],
  [8, 0.5],
  [8, 0.9],
] as const;
const studentEpochs = Number(process.env.EPOCHS ?? 20);
const studentRate = Number(process.env.LR ?? 1e-2);
for (const name of selected) {
  const { augmentation, passes } = augmentations[name] as (typeof augmentations)[string];
  for (const seed of seeds) {
    const common = {
      trainData,
      validationData,
      mode: 'feature-extraction' as const,
      augmentation,
      augmentedPasses: passes,
      batchSize: 32,
      featureStore,
      seed,
    };
    const started = performance.now();
    const teacherHead = createHead('linear', {
      featureDim: teacherBackbone.featureDim,
      numClasses: 2,
      seed,
    });
    const teacherOptimizer = adam({ learningRate: 1e-3 });
    const teacher = await train({
      ...common,
      backbone: teacherBackbone,
      head: teacherHead,
      epochs: 10,
      optimizer: teacherOptimizer,
    });
    teacherOptimizer.dispose();
    const teacherSeconds = (performance.now() - started) / 1000;
    const student = async (terms: Parameters<typeof train>[0]['lossTerms']) => {
      const head = createHead('linear', {
        featureDim: studentBackbone.featureDim,
        numClasses: 2,
        seed,
      });
      const optimizer = adam({ learningRate: studentRate });
      const result = await train({
        ...common,
        backbone: studentBackbone,
        head,
        epochs: studentEpochs,
        optimizer,
        schedule: cosineSchedule({
          initialLearningRate: studentRate,
          totalSteps: Math.ceil(trainData.size / 32) * studentEpochs,
        }),
        ...(terms ? { lossTerms: terms } : {}),
      });
      optimizer.dispose();
      head.dispose();
      return result;
    };
    const alone = await student(undefined);
    const cells: string[] = [];
    for (const [temperature, alpha] of grid) {
      const distilled = await student([
        distillation({
          teacher: { backbone: teacherBackbone, head: teacherHead },
          temperature,
          alpha,
        }),
      ]);
      const last = distilled.history[distilled.history.length - 1];
      cells.push(
        `T${temperature}/a${alpha} ${distilled.validation?.accuracy.toFixed(3)} (hard ${last?.hard_loss?.toFixed(3)} soft ${last?.distillation_loss?.toFixed(3)}; teacher imgs ${distilled.teacher?.images})`,
      );
    }
    console.log(
      `[${name} seed ${seed}] teacher ${teacher.validation?.accuracy.toFixed(3)} (${teacherSeconds.toFixed(0)} s) | alone ${alone.validation?.accuracy.toFixed(3)} (loss ${alone.history.at(-1)?.loss?.toFixed(3)}) | ${cells.join(' | ')}`,
    );
    teacherHead.dispose();
  }
}
