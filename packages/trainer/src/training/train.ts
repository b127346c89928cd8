import { SeededRandom, type TrainLogs } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type { EvaluationReport } from '../evaluation/metrics.js';
import type { FeatureTable } from '../features/extract-features.js';
import { resolveHardLabelLoss } from '../losses/hard-label-loss.js';
import { adam } from '../optimizers/adam.js';
import { assertGradientKernels } from './assert-gradient-kernels.js';
import { chooseMicroBatchSize } from './choose-micro-batch-size.js';
import { addValidationLogs, epochLogs } from './epoch-logs.js';
import { extractTrainingFeatures, type TrainingFeatures } from './extract-training-features.js';
import { runFeatureEpoch } from './feature-epoch.js';
import { computeGradients, type StepGradients } from './gradients.js';
import { resolveLossTerms } from './loss-terms.js';
import { now } from './now.js';
import { runPixelEpoch } from './pixel-epoch.js';
import { runPrefixCacheEpoch } from './prefix-cache-epoch.js';
import {
  type ResolvedFrozenPrefixCache,
  resolveFrozenPrefixCache,
} from './resolve-frozen-prefix-cache.js';
import { resumeTraining } from './resume-training.js';
import { restoreCallbackStates, statefulCallbacksByName } from './stateful-callbacks.js';
import type { TrainOptions, TrainResult } from './train-options.js';
import { keyedWeights, trainableVariables } from './trainable-variables.js';
import { createTrainingContext } from './training-context.js';
import { StopControl } from './training-control.js';
import type { GradientRequest, TrainingRun } from './training-run.js';
import { emptyEpochTotals } from './training-step.js';
import { validateTrainOptions } from './validate-train-options.js';
import { validationEvaluator } from './validation-evaluator.js';

export type { TrainingMode, TrainOptions, TrainResult } from './train-options.js';

/**
 * Trains `head` (and, when fine-tuning, part of `backbone`) on `trainData`.
 *
 * Feature extraction runs the frozen backbone once per image and pass, caches the features,
 * and trains the head on them; fine-tuning trains the composed network on pixels with
 * micro-batches and gradient accumulation. The head's and backbone's weights are updated in
 * place. Tensors created per step are disposed; the caller keeps owning the models.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  validateTrainOptions(options);
  const { backbone, head, trainData, mode, signal } = options;
  const lossTerms = resolveLossTerms(options.lossTerms, {
    mode,
    head,
    classNames: trainData.classNames,
  });
  const hasLossTerms = lossTerms.distillation !== undefined || lossTerms.corals.length > 0;
  // Undefined for plain cross-entropy, which keeps the default loss path (and gradient workers).
  const hardLabel = resolveHardLabelLoss({
    ...(options.loss ? { loss: options.loss } : {}),
    ...(options.classWeight !== undefined ? { classWeight: options.classWeight } : {}),
    ...(options.labelSmoothing !== undefined ? { labelSmoothing: options.labelSmoothing } : {}),
    head,
    classNames: trainData.classNames,
    labels: () => trainData.labels(),
  });
  const batchSize = options.batchSize ?? 32;
  const callbacks = options.callbacks ?? [];
  const optimizer = options.optimizer ?? adam({ learningRate: 1e-3 });
  const random = new SeededRandom(options.seed ?? 0);
  const control = new StopControl();
  const history: TrainLogs[] = [];

  // Freeze first: `unfreeze({ from })` only turns layers on, it does not turn earlier ones off.
  backbone.freeze();
  if (mode === 'fine-tune' && options.keepBackboneFrozen !== true) {
    backbone.unfreeze({
      ...(options.unfreezeFrom === undefined ? {} : { from: options.unfreezeFrom }),
      ...((options.batchNorm ?? 'frozen') === 'frozen' ? { layers: isNotBatchNorm } : {}),
    });
  }
  // With a gradientComputer the gradients run in its workers, which select their own backend.
  if (mode === 'fine-tune' && options.gradientComputer === undefined) {
    assertGradientKernels(backbone.model);
  }
  const variables = trainableVariables({
    ...(mode === 'fine-tune' ? { backbone } : {}),
    head,
    ...(options.discriminative ? { discriminative: options.discriminative } : {}),
  });
  // Checkpoints hold the head and, when fine-tuning, every backbone weight (BatchNorm statistics
  // too); the rest never changes, so snapshots of the best weights need no more either.
  const checkpointWeights = keyedWeights(mode === 'fine-tune' ? backbone : undefined, head);
  const statefulCallbacks = statefulCallbacksByName(callbacks);
  const start = options.resume
    ? resumeTraining({
        checkpoint: options.resume,
        mode,
        weights: checkpointWeights,
        optimizer,
        random,
        history,
        schedule: options.schedule,
      })
    : { epoch: options.initialEpoch ?? 0, step: 0 };

  const microBatchChoice =
    mode === 'fine-tune'
      ? chooseMicroBatchSize({
          model: backbone.model,
          inputSize: backbone.preprocessing.inputSize,
          batchSize,
          extraTrainableParameters: head.model.countParams(),
          ...(options.microBatchSize !== undefined ? { requested: options.microBatchSize } : {}),
        })
      : undefined;
  if (microBatchChoice) options.onMicroBatchSize?.(microBatchChoice);
  const microBatchSize = microBatchChoice?.microBatchSize ?? batchSize;
  // Set when a callback writes other weights back (restoreBestWeights): the last epoch's
  // validation report no longer describes the model train() returns.
  let validationStale = false;
  const context = createTrainingContext({
    options,
    start,
    // Read when a checkpoint is taken, once the run below exists.
    position: () => ({ epoch: run.epoch, step: run.step }),
    stepsPerEpoch: Math.ceil(trainData.size / batchSize),
    control,
    history,
    random,
    optimizer,
    checkpointWeights,
    statefulCallbacks,
    onRestoreWeights: () => {
      validationStale = true;
    },
  });
  // Fine-tuning steps without extra loss terms may run on the gradient computer's replicas.
  const gradientComputer = mode === 'fine-tune' ? options.gradientComputer : undefined;
  const run: TrainingRun = {
    options,
    callbacks,
    context,
    control,
    optimizer,
    variables,
    lossTerms,
    hasLossTerms,
    hardLabel,
    batchSize,
    microBatchSize,
    microBatchChoice,
    wantsBatchLogs: callbacks.some((callback) => callback.onBatchEnd !== undefined),
    stepGradients: async (request: GradientRequest): Promise<StepGradients> =>
      // The frozen-prefix cache trains the suffix on cached activations, which the computer's
      // replicas (whole backbone on pixels) cannot take: those steps stay in this thread.
      gradientComputer && request.loss === undefined && prefixCache?.cache === undefined
        ? gradientComputer.computeGradients({
            ...request,
            microBatchSize: request.microBatchSize ?? (request.inputs.shape[0] as number),
            backbone,
            head,
          })
        : computeGradients(request),
    learningRateAt: (at: number) =>
      options.schedule ? options.schedule(at) : optimizer.learningRate,
    throwIfAborted: () => {
      if (signal?.aborted) throw signal.reason ?? new Error('Training was aborted.');
    },
    epoch: start.epoch,
    step: start.step,
    peakTensorBytes: 0,
  };

  // Feature extraction: featurise once, before any epoch.
  const features: TrainingFeatures | undefined =
    mode === 'feature-extraction'
      ? await extractTrainingFeatures({
          options,
          lossTerms,
          callbacks,
          throwIfAborted: run.throwIfAborted,
        })
      : undefined;
  // Fine-tuning behind a frozen prefix: its activations are computed once.
  const prefixCache: ResolvedFrozenPrefixCache | undefined =
    mode === 'fine-tune'
      ? await resolveFrozenPrefixCache({ options, hasLossTerms, callbacks })
      : undefined;
  const evaluateValidation = validationEvaluator(
    options,
    features?.validationTable,
    prefixCache?.cache,
    microBatchSize,
  );

  const trainingStarted = now();
  run.peakTensorBytes = tf.memory().numBytes;
  let validation: EvaluationReport | undefined;
  try {
    for (const callback of callbacks) await callback.onTrainBegin?.(context);
    if (options.resume) {
      // After onTrainBegin, which resets callbacks: the checkpoint's state wins.
      restoreCallbackStates(options.resume, statefulCallbacks);
      // A run a callback stopped stays stopped: resuming it only finishes it.
      if (options.resume.manifest.stopReason !== undefined) {
        control.stop(options.resume.manifest.stopReason);
      }
    }
    while (run.epoch < options.epochs && !control.stopRequested) {
      run.throwIfAborted();
      const epoch = run.epoch;
      context.epoch = epoch;
      for (const callback of callbacks) await callback.onEpochBegin?.(epoch, context);
      const epochStarted = now();
      // One draw per epoch: shuffling and augmentation seeds follow from it, so a run resumed
      // from a checkpoint (which stores the generator state) sees the same data order.
      const seed = random.nextUint32();
      const totals = emptyEpochTotals();
      if (features) {
        const table = features.trainTables[epoch % features.trainTables.length] as FeatureTable;
        await runFeatureEpoch(run, totals, {
          table,
          lossData: features.lossData,
          index: epoch,
          seed,
        });
      } else if (prefixCache?.cache) {
        await runPrefixCacheEpoch(run, totals, { cache: prefixCache.cache, index: epoch, seed });
      } else {
        await runPixelEpoch(run, totals, { index: epoch, seed });
      }

      const seconds = (now() - epochStarted) / 1000;
      const logs = epochLogs(totals, seconds, run.learningRateAt(Math.max(run.step - 1, 0)));
      if (options.validationData) {
        validation = await evaluateValidation(options.validationData);
        validationStale = false;
        addValidationLogs(logs, validation);
      }
      if (options.schedule?.observe) {
        const monitor = options.scheduleMonitor ?? (options.validationData ? 'val_loss' : 'loss');
        const value = logs[monitor];
        if (value !== undefined) options.schedule.observe(value, run.step);
      }
      history.push(logs);
      run.epoch++;
      // Callbacks see the state after the epoch (a checkpoint taken now resumes at `epoch`).
      for (const callback of callbacks) await callback.onEpochEnd?.(epoch, logs, context);
    }
    const finalLogs = history[history.length - 1] ?? {};
    context.epoch = run.epoch;
    for (const callback of callbacks) await callback.onTrainEnd?.(finalLogs, context);
    // `validation === undefined`: resumed at the end, no epoch ran to evaluate.
    if ((validationStale || validation === undefined) && options.validationData) {
      validation = await evaluateValidation(options.validationData);
    }
  } finally {
    if (features) features.trainTables = [];
    if (prefixCache && !prefixCache.shared) prefixCache.cache?.dispose();
  }
  return {
    history,
    epoch: run.epoch,
    step: run.step,
    ...(control.stopReason !== undefined || control.stopRequested
      ? { stopReason: control.stopReason ?? 'stopped by a callback' }
      : {}),
    ...(validation ? { validation } : {}),
    ...(features
      ? { extraction: features.extraction, extractionSeconds: features.extractionSeconds }
      : {}),
    ...(prefixCache ? { frozenPrefixCache: prefixCache.report } : {}),
    ...(features?.lossData && lossTerms.distillation
      ? {
          teacher: {
            images: features.lossData.teacherImages,
            cacheHits: features.lossData.teacherCacheHits,
          },
        }
      : {}),
    trainingSeconds: (now() - trainingStarted) / 1000,
    peakTensorBytes: run.peakTensorBytes,
  };
}

function isNotBatchNorm(layer: { getClassName(): string }): boolean {
  return layer.getClassName() !== 'BatchNormalization';
}
