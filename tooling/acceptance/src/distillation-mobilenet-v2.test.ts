// Acceptance (issue 11, knowledge transfer): distil a MobileNetV2 1.0 teacher (Keras .h5,
// frozen, linear head on cached features) into a MobileNetV2 0.35 student (Teachable Machine
// weights, linear head) on ants/bees, wasm backend. The student trains twice with the same
// budget (epochs, optimiser, learning rate, seed, two flip-augmented passes), alone and with the
// distillation loss; the distilled student's val accuracy must be ≥ the student's alone.
import { randomFlip } from '@graft/augmentation';
import { createBackbone, type MobileNetV2Options } from '@graft/backbones';
import type { Backbone, Head } from '@graft/core';
import { createHead } from '@graft/heads';
import { initBackend } from '@graft/runtime';
import { cosineSchedule } from '@graft/schedulers';
import { adam, distillation, evaluate, MemoryFeatureStore, train } from '@graft/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acceptanceSeed,
  centerCrop,
  openHymenoptera,
  peakRssMiB,
  useSharedMirror,
} from './hymenoptera.js';

const seed = acceptanceSeed(7);
// Chosen by scripts/sweep-distillation.ts (see the README): with 2 flip passes, T 2 / α 0.5 was
// the only setting of five with distilled ≥ alone at all six seeds (1-5, 7; +0 to +0.014). T 4
// fell below alone at seed 4 (0.915 vs 0.928), and 4 flip+zoom passes hurt at seed 1.
const temperature = 2;
const alpha = 0.5;

describe('distillation of MobileNetV2 1.0 into MobileNetV2 0.35 on ants/bees', () => {
  let teacherBackbone: Backbone;
  let studentBackbone: Backbone;
  const heads: Head[] = [];

  beforeAll(async () => {
    useSharedMirror();
    const report = await initBackend({ prefer: 'wasm' });
    expect(report.chosen).toBe('wasm');
    teacherBackbone = await createBackbone<MobileNetV2Options>('mobilenet_v2_1.0_224', {
      resize: centerCrop,
    });
    studentBackbone = await createBackbone<MobileNetV2Options>('mobilenet_v2_0.35_224', {
      weightSource: 'teachable-machine',
      resize: centerCrop,
    });
  });

  afterAll(() => {
    for (const head of heads) head.dispose();
    teacherBackbone?.dispose();
    studentBackbone?.dispose();
  });

  it('the distilled 0.35 student reaches val accuracy ≥ the 0.35 student trained alone', async () => {
    const started = performance.now();
    const folder = await openHymenoptera(studentBackbone.preprocessing);
    const trainData = folder.dataset('train');
    const validationData = folder.dataset('val');
    // One store for both backbones: the teacher's logits on the student's augmented images come
    // from the features cached while the teacher trained on the same passes.
    const featureStore = new MemoryFeatureStore();
    const common = {
      trainData,
      validationData,
      mode: 'feature-extraction' as const,
      augmentation: randomFlip(),
      augmentedPasses: 2,
      batchSize: 32,
      featureStore,
      seed,
    };

    // The teacher: the 1.0 acceptance recipe's first stage (linear head, Adam 1e-3, 10 epochs).
    const teacherHead = createHead('linear', {
      featureDim: teacherBackbone.featureDim,
      numClasses: trainData.classNames.length,
      seed,
    });
    heads.push(teacherHead);
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

    // The student, twice with the same budget: the 0.35 acceptance recipe (Adam 1e-2, cosine
    // to 0 over 20 epochs) on the same two augmented passes.
    const epochs = 20;
    const student = async (withTeacher: boolean) => {
      const head = createHead('linear', {
        featureDim: studentBackbone.featureDim,
        numClasses: trainData.classNames.length,
        seed,
      });
      heads.push(head);
      const optimizer = adam({ learningRate: 1e-2 });
      const result = await train({
        ...common,
        backbone: studentBackbone,
        head,
        epochs,
        optimizer,
        schedule: cosineSchedule({
          initialLearningRate: 1e-2,
          totalSteps: Math.ceil(trainData.size / common.batchSize) * epochs,
        }),
        ...(withTeacher
          ? {
              lossTerms: [
                distillation({
                  teacher: { backbone: teacherBackbone, head: teacherHead },
                  temperature,
                  alpha,
                }),
              ],
            }
          : {}),
      });
      optimizer.dispose();
      // Evaluated again on pixels (decode → backbone → head), independent of cached features.
      const report = await evaluate({ backbone: studentBackbone, head, data: validationData });
      return { result, report };
    };
    const alone = await student(false);
    const distilled = await student(true);
    const seconds = (performance.now() - started) / 1000;
    const last = distilled.result.history[distilled.result.history.length - 1];
    console.log(
      `[acceptance] distillation 1.0 → 0.35, seed ${seed}, T ${temperature}, α ${alpha}, flip ×2 passes: ` +
        `teacher val accuracy ${teacher.validation?.accuracy.toFixed(4)}; ` +
        `student alone ${alone.report.accuracy.toFixed(4)} (final train loss ${alone.result.history.at(-1)?.loss?.toFixed(4)}), ` +
        `distilled ${distilled.report.accuracy.toFixed(4)} (final loss ${last?.loss?.toFixed(4)} = hard ${last?.hard_loss?.toFixed(4)} / soft ${last?.distillation_loss?.toFixed(4)}); ` +
        `teacher logits: ${distilled.result.teacher?.images} images through the teacher, ${distilled.result.teacher?.cacheHits} from cached features; ` +
        `run after backbones loaded ${seconds.toFixed(1)} s (teacher ${teacherSeconds.toFixed(1)} s, extraction ${teacher.extractionSeconds?.toFixed(1)} s; ` +
        `students ${alone.result.extractionSeconds?.toFixed(1)} s + ${distilled.result.extractionSeconds?.toFixed(1)} s extraction); peak RSS ${peakRssMiB().toFixed(0)} MiB`,
    );
    // The frozen teacher's logits come from its cached features: no second pass through 1.0.
    expect(distilled.result.teacher).toEqual({ images: 0, cacheHits: 2 * trainData.size });
    expect(alone.report.accuracy).toBeCloseTo(alone.result.validation?.accuracy ?? Number.NaN, 6);
    expect(teacher.validation?.accuracy).toBeGreaterThan(alone.report.accuracy);
    expect(distilled.report.accuracy).toBeGreaterThanOrEqual(alone.report.accuracy);
  });
});
