import { disposeBatch, type ImageBatch } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { augmentationSeed } from '../features/extract-features.js';
import { TargetBatchStream, termSeed } from './coral-targets.js';
import { disposeStepData } from './dispose-step-data.js';
import { fuseAugmentation } from './fuse-augmentation.js';
import { toTargets } from './loss.js';
import type { StepLossData } from './loss-terms.js';
import { networkInput } from './network-input.js';
import type { TrainingRun } from './training-run.js';
import { type EpochTotals, runTrainingStep } from './training-step.js';

/** One fine-tuning epoch on pixels: decode, augment, normalise, and step through the backbone. */
export async function runPixelEpoch(
  run: TrainingRun,
  totals: EpochTotals,
  epoch: {
    /** The epoch index (seeds the augmentation with the batch index). */
    index: number;
    /** The epoch's draw, from which the data order and augmentation follow. */
    seed: number;
  },
): Promise<void> {
  const { options, lossTerms, control, batchSize } = run;
  const { backbone, head, trainData, signal } = options;
  const numClasses = trainData.classNames.length;
  const targetStreams = lossTerms.corals.map(
    (term, index) =>
      new TargetBatchStream({
        data: term.targetData,
        backbone,
        batchSize,
        seed: termSeed(epoch.seed, index),
        ...(signal ? { signal } : {}),
      }),
  );
  try {
    // The decoder cuts a leading crop/flip itself when it can (fuse-augmentation.ts).
    // The teacher reads the batch's [0, 255] pixels, so views are normalised while cut only
    // without distillation.
    const fused = fuseAugmentation(
      trainData,
      options.augmentation,
      (index) => augmentationSeed(epoch.seed, epoch.index, index),
      lossTerms.distillation ? undefined : backbone.preprocessing,
    );
    for await (const original of fused.data.batches({
      batchSize,
      shuffle: options.shuffle ?? true,
      seed: epoch.seed,
      epoch: epoch.index,
      ...(signal ? { signal } : {}),
    })) {
      let batch: ImageBatch = original;
      try {
        run.throwIfAborted();
        if (fused.augmentation) {
          batch = fused.augmentation.apply(original, {
            seed: augmentationSeed(epoch.seed, epoch.index, totals.batchIndex),
            numClasses,
          });
        }
        const inputs = networkInput(batch, batch.images, backbone.preprocessing);
        const targets = toTargets(batch.labels, numClasses);
        let sourceFeatures: tf.Tensor | undefined;
        const forwardParts = (x: tf.Tensor) => {
          const features = backbone.model.apply(x, { training: true }) as tf.Tensor;
          const probabilities = head.model.apply(features, { training: true }) as tf.Tensor;
          return { features, probabilities };
        };
        const stepData: StepLossData | undefined = run.hasLossTerms
          ? {
              ...(lossTerms.distillation
                ? { teacherLogits: lossTerms.distillation.logitsTeacher.logits(batch.images) }
                : {}),
              coralTargets: await Promise.all(targetStreams.map((stream) => stream.next())),
            }
          : undefined;
        try {
          await runTrainingStep(
            run,
            totals,
            inputs,
            targets,
            (x) => {
              const parts = forwardParts(x);
              sourceFeatures = parts.features;
              return parts.probabilities;
            },
            stepData
              ? {
                  data: stepData,
                  forwardTarget: forwardParts,
                  sourceFeatures: () => sourceFeatures,
                }
              : undefined,
          );
        } finally {
          tf.dispose([inputs, targets]);
          if (stepData) disposeStepData(stepData);
        }
      } finally {
        if (batch !== original) disposeBatch(batch);
        disposeBatch(original);
      }
      if (control.stopRequested) break;
    }
  } finally {
    await Promise.all(targetStreams.map((stream) => stream.close()));
  }
}
