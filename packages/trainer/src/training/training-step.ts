import type { TrainLogs } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { stepHardLabelLoss } from '../losses/hard-label-loss.js';
import type { StepGradients } from './gradients.js';
import { type RecordedComponent, type StepLossData, stepLoss } from './loss-terms.js';
import { releaseGradientTape } from './release-gradient-tape.js';
import { trainingOutOfMemory } from './training-out-of-memory.js';
import type { TrainingRun } from './training-run.js';

/** What an epoch's steps add up; the epoch's logs are means of these. */
export interface EpochTotals {
  /** Sum of each step's mean loss times its images. */
  loss: number;
  /** Rows predicted right. */
  correct: number;
  /** Images trained on. */
  images: number;
  /** Sum of each recorded loss component (weighted) times its images, by log name. */
  components: Map<string, number>;
  /** Steps taken in this epoch (the next batch's index). */
  batchIndex: number;
}

/** Totals of an epoch before its first step. */
export function emptyEpochTotals(): EpochTotals {
  return { loss: 0, correct: 0, images: 0, components: new Map(), batchIndex: 0 };
}

/** How a step with extra loss terms sees the batch beyond the hard-label path. */
export interface StepTerms {
  /** The batch's teacher logits and CORAL target features. */
  data: StepLossData;
  /** The network on the batch, with the features CORAL aligns. */
  forwardTarget: (x: tf.Tensor) => { probabilities: tf.Tensor; features?: tf.Tensor };
  /** The source features of the last `forward` call, for CORAL. */
  sourceFeatures: () => tf.Tensor | undefined;
}

/**
 * One optimiser step: callbacks around it, gradients of the batch (micro-batched, clipped), the
 * update, and the step's loss and accuracy added to `totals`. `inputs` and `targets` stay the
 * caller's.
 */
export async function runTrainingStep(
  run: TrainingRun,
  totals: EpochTotals,
  inputs: tf.Tensor,
  targets: tf.Tensor,
  forward: (x: tf.Tensor) => tf.Tensor,
  terms?: StepTerms,
): Promise<void> {
  const { options, callbacks, context, hardLabel, microBatchSize, microBatchChoice } = run;
  const { head, backbone } = options;
  const batchIndex = totals.batchIndex;
  context.step = run.step;
  for (const callback of callbacks) await callback.onBatchBegin?.(batchIndex, context);
  const learningRate = run.learningRateAt(run.step);
  let result: StepGradients;
  const recorded: RecordedComponent[] = [];
  const hardLoss = hardLabel
    ? stepHardLabelLoss({ settings: hardLabel, activation: head.activation, targets })
    : undefined;
  try {
    result = await run.stepGradients({
      forward,
      inputs,
      targets,
      activation: head.activation,
      variables: run.variables,
      microBatchSize,
      ...(options.gradientClipNorm !== undefined ? { clipNorm: options.gradientClipNorm } : {}),
      ...(terms
        ? {
            loss: stepLoss({
              terms: run.lossTerms,
              activation: head.activation,
              data: terms.data,
              batchRows: inputs.shape[0] ?? 0,
              forwardTarget: terms.forwardTarget,
              sourceFeatures: terms.sourceFeatures,
              recorded,
              ...(hardLoss ? { hardLoss: hardLoss.loss } : {}),
            }),
          }
        : hardLoss
          ? { loss: hardLoss.loss }
          : {}),
    });
  } catch (error) {
    tf.dispose(recorded.map((component) => component.value));
    releaseGradientTape();
    throw trainingOutOfMemory(error, {
      microBatchSize,
      inputShape: inputs.shape,
      ...(microBatchChoice ? { backbone: backbone.name, choice: microBatchChoice } : {}),
    });
  } finally {
    hardLoss?.dispose();
  }
  run.peakTensorBytes = Math.max(run.peakTensorBytes, tf.memory().numBytes);
  run.optimizer.applyGradients({
    variables: run.variables,
    gradients: result.gradients,
    learningRate,
  });
  const size = inputs.shape[0] ?? 0;
  const [loss, correct] = await Promise.all([result.loss.data(), result.correct.data()]);
  tf.dispose([result.loss, result.correct, result.globalNorm, ...result.gradients]);
  totals.loss += (loss[0] ?? 0) * size;
  totals.correct += correct[0] ?? 0;
  totals.images += size;
  for (const component of recorded) {
    const value = (await component.value.data())[0] ?? 0;
    component.value.dispose();
    const previous = totals.components.get(component.name) ?? 0;
    totals.components.set(component.name, previous + value * component.weight * size);
  }
  run.step++;
  context.step = run.step;
  if (run.wantsBatchLogs) {
    const logs: TrainLogs = {
      loss: loss[0] ?? Number.NaN,
      accuracy: (correct[0] ?? 0) / Math.max(size, 1),
      size,
      learning_rate: learningRate,
    };
    for (const callback of callbacks) await callback.onBatchEnd?.(batchIndex, logs, context);
  }
  totals.batchIndex++;
}
