import {
  type Backbone,
  type Callback,
  disposeBatch,
  type Head,
  type ImageAugmentation,
  type ImageBatch,
  type ImageDataset,
  InvalidArgumentError,
  normalizeImages,
  type Schedule,
  SeededRandom,
  type TrainLogs,
} from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type {
  CallbackState,
  TrainerCallback,
  TrainerCallbackContext,
  WeightSnapshot,
} from '../callbacks/trainer-context.js';
import {
  captureCheckpoint,
  readCallbackStates,
  restoreCheckpoint,
  type TrainingCheckpoint,
} from '../checkpoint/training-checkpoint.js';
import { evaluate, evaluateFeatures } from '../evaluation/evaluate.js';
import type { EvaluationReport } from '../evaluation/metrics.js';
import { multiLabelLogs } from '../evaluation/multi-label-logs.js';
import {
  augmentationSeed,
  type ExtractionStats,
  extractFeatures,
  type FeatureTable,
} from '../features/extract-features.js';
import type { FeatureComputer } from '../features/feature-computer.js';
import { type FeatureStore, MemoryFeatureStore } from '../features/feature-store.js';
import type { ClassWeightSetting } from '../losses/class-weights.js';
import type { ClassificationLoss } from '../losses/classification-loss.js';
import { resolveHardLabelLoss, stepHardLabelLoss } from '../losses/hard-label-loss.js';
import type { LossTerm } from '../losses/loss-term.js';
import { adam } from '../optimizers/adam.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { assertGradientKernels } from './assert-gradient-kernels.js';
import { chooseMicroBatchSize, type MicroBatchChoice } from './choose-micro-batch-size.js';
import {
  defaultFrozenPrefixCacheBytes,
  type FrozenPrefixCache,
  type FrozenPrefixCacheReport,
  type FrozenPrefixCacheSetting,
  isFrozenPrefixCache,
  prepareFrozenPrefixCache,
} from './frozen-prefix-cache.js';
import { fuseAugmentation } from './fuse-augmentation.js';
import type { GradientComputer } from './gradient-computer.js';
import { computeGradients, type StepGradients } from './gradients.js';
import { toTargets } from './loss.js';
import {
  type RecordedComponent,
  resolveLossTerms,
  type StepLossData,
  stepLoss,
  TargetBatchStream,
  TargetRowSampler,
  termSeed,
} from './loss-terms.js';
import { type FeatureLossData, prepareFeatureLossData } from './prepare-loss-terms.js';
import { releaseGradientTape } from './release-gradient-tape.js';
import {
  type DiscriminativeLearningRates,
  type KeyedWeight,
  keyedWeights,
  trainableVariables,
} from './trainable-variables.js';
import { StopControl } from './training-control.js';
import { trainingOutOfMemory } from './training-out-of-memory.js';

/** Training mode. */
export type TrainingMode = 'feature-extraction' | 'fine-tune';

/** Options of {@link train}. */
export interface TrainOptions {
  /** The pretrained feature extractor. Frozen in `feature-extraction` mode. */
  backbone: Backbone;
  /** The classifier on top of the pooled features (`head.model`: `[N, featureDim] → [N, C]`). */
  head: Head;
  /** Training images. */
  trainData: ImageDataset;
  /** Validation images, evaluated after every epoch (`val_loss`, `val_accuracy`). */
  validationData?: ImageDataset;
  /**
   * `feature-extraction`: the backbone is frozen and runs once per image (per augmented pass);
   * head epochs train on cached features. `fine-tune`: backbone (from `unfreezeFrom`) and head
   * train together on pixels.
   */
  mode: TrainingMode;
  /** Epoch index to stop at (exclusive), Keras-style: with `initialEpoch` 2 and `epochs` 4, two epochs run. */
  epochs: number;
  /** First epoch index. Default 0, or the checkpoint's epoch when resuming. */
  initialEpoch?: number;
  /** Images per optimiser step. Default 32. */
  batchSize?: number;
  /**
   * Fine-tuning: images per forward/backward pass; gradients of the micro-batches are summed
   * into one step, so a batch fits the 4 GiB wasm heap. Default: the largest (at most
   * `batchSize`) whose estimated step fits 60 % of the heap, from what is trainable and the
   * layers' output sizes (`chooseMicroBatchSize`).
   */
  microBatchSize?: number;
  /** Fine-tuning: told the micro-batch used and why, once, before the first step. */
  onMicroBatchSize?: (choice: MicroBatchChoice) => void;
  /** The optimiser. Default `adam({ learningRate: 1e-3 })`. */
  optimizer?: Optimizer;
  /** Learning rate per step (0-based optimiser step); overrides the optimiser's learning rate. */
  schedule?: Schedule;
  /**
   * Metric passed to `schedule.observe` after each epoch (reduce-on-plateau).
   * Default `val_loss` with validation data, else `loss`.
   */
  scheduleMonitor?: string;
  /**
   * Augmentation of training batches. In `feature-extraction` mode, each of `augmentedPasses`
   * passes featurises an augmented copy of the data once; epoch `e` trains on pass `e mod passes`.
   */
  augmentation?: ImageAugmentation;
  /** Feature extraction with augmentation: augmented copies to featurise. Default 4. */
  augmentedPasses?: number;
  /** Feature extraction: where features are cached. Default: in memory, for this run. */
  featureStore?: FeatureStore;
  /** Feature extraction: images per backbone call. Default 32. */
  extractionBatchSize?: number;
  /**
   * Feature extraction: computes the backbone's features elsewhere, e.g. worker threads
   * (`createFeatureWorkerPool` in `@graft/trainer/node`). Default: `backbone`, in this thread.
   */
  featureComputer?: FeatureComputer;
  /**
   * Fine-tuning: computes each step's gradients elsewhere, e.g. worker threads each holding a
   * replica (`createTrainingWorkerPool` in `@graft/trainer/node`); the optimiser, callbacks and
   * validation stay here on the master weights. Not used with `lossTerms`, nor when the
   * frozen-prefix cache trains the suffix on cached activations. Default: this thread.
   */
  gradientComputer?: GradientComputer;
  /** Fine-tuning: unfreeze this stage or layer and everything after it. Default: the whole backbone. */
  unfreezeFrom?: string;
  /**
   * Fine-tune mode with nothing unfrozen: the head trains on pixels through the frozen backbone
   * every epoch (for augmentation that should differ every epoch). Default `false`.
   */
  keepBackboneFrozen?: boolean;
  /**
   * Fine-tuning: `frozen` keeps every BatchNormalization layer frozen when unfreezing (Keras's
   * advice for small data; backbones that apply the frozen-BatchNorm policy then run them in
   * inference mode), `train` unfreezes them with the rest (batch statistics of each
   * micro-batch, noisy at small micro-batches). Default `frozen`.
   */
  batchNorm?: 'frozen' | 'train';
  /** Fine-tuning: lower learning rates for the backbone (multiplier and/or per-stage decay). */
  discriminative?: DiscriminativeLearningRates;
  /** Clip gradients to this global L2 norm. Default: no clipping. */
  gradientClipNorm?: number;
  /** Shuffle training data every epoch. Default `true`. */
  shuffle?: boolean;
  /** Hooks, called in order and awaited. */
  callbacks?: readonly (Callback | TrainerCallback)[];
  /** Seed of shuffling and augmentation. Default 0. */
  seed?: number;
  /** Cancels training: the run stops at the next batch and `train` rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Continue a run from a checkpoint (same mode, models, optimiser kind and data). */
  resume?: TrainingCheckpoint;
  /**
   * Extra loss terms, in both modes: `distillation({ teacher, temperature, alpha })` (at most
   * one; mixes the hard-label loss with the teacher's softened outputs) and
   * `coral({ targetData, weight })` (aligns source and target covariances). Their components
   * appear in the epoch logs (`hard_loss`, `distillation_loss`, `coral_loss`).
   */
  lossTerms?: readonly LossTerm[];
  /**
   * The hard-label loss: `crossEntropy()` (default) or `focalLoss({ gamma, alpha })`, or any
   * registered one (`createClassificationLoss`). Softmax heads only, except cross-entropy.
   */
  loss?: ClassificationLoss;
  /**
   * Per-class loss weights (softmax heads): `balanced` (Keras: `n_samples / (n_classes ·
   * count_c)` from `trainData.labels()`) or weights by class name (others weigh 1). The loss is
   * divided by the batch's total target weight, like PyTorch's `CrossEntropyLoss(weight)`.
   */
  classWeight?: ClassWeightSetting;
  /**
   * Label smoothing ε in [0, 1): targets become `t(1 − ε) + ε/C` (PyTorch's
   * `CrossEntropyLoss(label_smoothing)`; with a sigmoid head, Keras's `t(1 − ε) + ε/2`).
   * Applies to mixup/cutmix targets and to the hard term of distillation. Default 0.
   */
  labelSmoothing?: number;
  /**
   * Fine-tuning with `unfreezeFrom`: `auto` computes the frozen layers' output once per image
   * and trains the rest on it (exact; needs no augmentation or `augmentedViews`, a backbone with
   * `split`, and activations within `frozenPrefixCacheBytes`, else it says why in the result and
   * `onNotice` and trains on pixels). The cached epochs visit rows in the trainer's seeded order.
   * Default `auto`. A cache from `prepareFrozenPrefixCache` (made for this backbone, head and
   * data; owned by the caller) is used as is, e.g. by both stages of `fineTune`.
   */
  frozenPrefixCache?: FrozenPrefixCacheSetting | FrozenPrefixCache;
  /**
   * Sigmoid (multi-label) heads: decision threshold of the validation metrics (`val_accuracy`
   * is then exact-match accuracy; `val_hamming_accuracy`, `val_micro_f1`, `val_macro_f1` are
   * logged too). Default 0.5.
   */
  threshold?: number;
  /** Frozen-prefix cache with augmentation: augmented views per image cached (epoch e uses view e mod K). */
  augmentedViews?: number;
  /** Memory budget of the frozen-prefix cache, in bytes. Default 1 GiB. */
  frozenPrefixCacheBytes?: number;
}

/** What {@link train} returns. */
export interface TrainResult {
  /** Logs of every epoch, including epochs restored from a checkpoint. */
  history: TrainLogs[];
  /** Epochs completed (index of the next epoch). */
  epoch: number;
  /** Optimiser steps taken. */
  step: number;
  /** Why training stopped early, when a callback stopped it. */
  stopReason?: string;
  /**
   * Validation report of the weights training ended with (after callbacks such as
   * `earlyStopping({ restoreBestWeights })` put others back), when there is validation data.
   */
  validation?: EvaluationReport;
  /** Feature extraction counters (feature-extraction mode). */
  extraction?: ExtractionStats;
  /** Seconds spent featurising (feature-extraction mode). */
  extractionSeconds?: number;
  /**
   * Distillation in feature-extraction mode: images the teacher ran on, and teacher rows served
   * from the feature store.
   */
  teacher?: { images: number; cacheHits: number };
  /** Fine-tuning: whether the frozen-prefix cache was used, or why not. */
  frozenPrefixCache?: FrozenPrefixCacheReport;
  /** Seconds spent in the epochs. */
  trainingSeconds: number;
  /**
   * Largest `tf.memory().numBytes` seen right after a step's gradients were computed (the
   * high-water mark of live tensors; on wasm the heap itself is larger).
   */
  peakTensorBytes: number;
}

/**
 * Trains `head` (and, when fine-tuning, part of `backbone`) on `trainData`.
 *
 * Feature extraction runs the frozen backbone once per image and pass, caches the features,
 * and trains the head on them; fine-tuning trains the composed network on pixels with
 * micro-batches and gradient accumulation. The head's and backbone's weights are updated in
 * place. Tensors created per step are disposed; the caller keeps owning the models.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  validateOptions(options);
  const { backbone, head, trainData, mode } = options;
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
  const numClasses = trainData.classNames.length;
  const callbacks = options.callbacks ?? [];
  const optimizer = options.optimizer ?? adam({ learningRate: 1e-3 });
  const random = new SeededRandom(options.seed ?? 0);
  const control = new StopControl();
  const history: TrainLogs[] = [];
  let step = 0;
  let epoch = options.initialEpoch ?? 0;

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

  if (options.resume) {
    const manifest = options.resume.manifest;
    if (manifest.mode !== mode) {
      throw new InvalidArgumentError({
        argument: 'resume',
        value: manifest.mode,
        expected: `must be a checkpoint of a ${mode} run`,
      });
    }
    restoreCheckpoint({ checkpoint: options.resume, weights: checkpointWeights, optimizer });
    step = manifest.step;
    epoch = manifest.epoch;
    random.setState(manifest.random);
    history.push(...manifest.history);
    if (manifest.schedule?.state && options.schedule?.setState) {
      options.schedule.setState(manifest.schedule.state);
    }
  }

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
  const stepsPerEpoch = Math.ceil(trainData.size / batchSize);
  // Set when a callback writes other weights back (restoreBestWeights): the last epoch's
  // validation report no longer describes the model train() returns.
  let validationStale = false;
  const context: TrainerCallbackContext = {
    epoch,
    epochs: options.epochs,
    step,
    stepsPerEpoch,
    control,
    mode,
    history,
    snapshotWeights: () => snapshot(checkpointWeights),
    restoreWeights: (saved) => {
      restore(checkpointWeights, saved);
      validationStale = true;
    },
    checkpoint: (extra) =>
      captureCheckpoint({
        manifest: {
          mode,
          epoch,
          step,
          random: random.getState(),
          ...(options.schedule
            ? {
                schedule: {
                  config: options.schedule.getConfig(),
                  ...(options.schedule.getState ? { state: options.schedule.getState() } : {}),
                },
              }
            : {}),
          history: history.map((logs) => ({ ...logs })),
          ...(control.stopRequested
            ? { stopReason: control.stopReason ?? 'stopped by a callback' }
            : {}),
          ...(extra ? { extra } : {}),
        },
        weights: checkpointWeights,
        optimizer,
        callbacks: new Map(
          [...statefulCallbacks].map(([name, callback]) => [
            name,
            (callback.getState as () => CallbackState)(),
          ]),
        ),
      }),
  };
  const signal = options.signal;
  const throwIfAborted = () => {
    if (signal?.aborted) throw signal.reason ?? new Error('Training was aborted.');
  };
  const wantsBatchLogs = callbacks.some((callback) => callback.onBatchEnd !== undefined);
  const learningRateAt = (at: number) =>
    options.schedule ? options.schedule(at) : optimizer.learningRate;
  // Fine-tuning steps without extra loss terms may run on the gradient computer's replicas.
  const gradientComputer = mode === 'fine-tune' ? options.gradientComputer : undefined;
  const stepGradients = async (
    request: Parameters<typeof computeGradients>[0],
  ): Promise<StepGradients> =>
    // The frozen-prefix cache trains the suffix on cached activations, which the computer's
    // replicas (whole backbone on pixels) cannot take: those steps stay in this thread.
    gradientComputer && request.loss === undefined && prefixCache === undefined
      ? gradientComputer.computeGradients({
          ...request,
          microBatchSize: request.microBatchSize ?? (request.inputs.shape[0] as number),
          backbone,
          head,
        })
      : computeGradients(request);

  // Feature extraction: featurise once, before any epoch.
  let trainTables: FeatureTable[] = [];
  let validationTable: FeatureTable | undefined;
  let lossData: FeatureLossData | undefined;
  let extraction: ExtractionStats | undefined;
  let extractionSeconds: number | undefined;
  if (mode === 'feature-extraction') {
    const started = now();
    const store = options.featureStore ?? new MemoryFeatureStore();
    const passes = options.augmentation ? (options.augmentedPasses ?? 4) : 1;
    extraction = { images: 0, cacheHits: 0, backboneCalls: 0, backboneImages: 0 };
    const extractionBatchSize = options.extractionBatchSize ?? 32;
    for (let pass = 0; pass < passes; pass++) {
      throwIfAborted();
      const { table, stats } = await extractFeatures({
        backbone,
        data: trainData,
        batchSize: extractionBatchSize,
        ...(options.augmentation ? { augmentation: options.augmentation } : {}),
        pass,
        seed: options.seed ?? 0,
        store,
        onProgress: (done, total, cached) =>
          notifyExtraction(callbacks, { pass, done, total, cached }),
        ...(signal ? { signal } : {}),
        ...(options.featureComputer ? { featureComputer: options.featureComputer } : {}),
      });
      trainTables.push(table);
      addStats(extraction, stats);
    }
    if (hasLossTerms) {
      lossData = await prepareFeatureLossData({
        terms: lossTerms,
        backbone,
        trainData,
        passes,
        ...(options.augmentation ? { augmentation: options.augmentation } : {}),
        seed: options.seed ?? 0,
        batchSize: extractionBatchSize,
        store,
        ...(signal ? { signal } : {}),
        rowsPerPass: trainTables.map((table) => table.count),
        ...(options.featureComputer ? { featureComputer: options.featureComputer } : {}),
      });
    }
    if (options.validationData) {
      const { table, stats } = await extractFeatures({
        backbone,
        data: options.validationData,
        batchSize: extractionBatchSize,
        store,
        onProgress: (done, total, cached) =>
          notifyExtraction(callbacks, { pass: 'validation', done, total, cached }),
        ...(signal ? { signal } : {}),
        ...(options.featureComputer ? { featureComputer: options.featureComputer } : {}),
      });
      validationTable = table;
      addStats(extraction, stats);
    }
    extractionSeconds = (now() - started) / 1000;
  }

  // Fine-tuning behind a frozen prefix: its activations are computed once (frozen-prefix-cache.ts).
  let prefixCache: FrozenPrefixCache | undefined;
  let prefixCacheReport: FrozenPrefixCacheReport | undefined;
  const sharedPrefixCache = isFrozenPrefixCache(options.frozenPrefixCache)
    ? options.frozenPrefixCache
    : undefined;
  if (mode === 'fine-tune' && sharedPrefixCache) {
    prefixCache = sharedPrefixCache;
    prefixCacheReport = sharedPrefixCache.report;
    for (const callback of callbacks) {
      await (callback as TrainerCallback).onNotice?.(prefixCacheReport.message);
    }
  } else if (mode === 'fine-tune') {
    ({ cache: prefixCache, report: prefixCacheReport } = await prepareFrozenPrefixCache(
      {
        backbone,
        trainData,
        ...(options.validationData ? { validationData: options.validationData } : {}),
        setting: (options.frozenPrefixCache as FrozenPrefixCacheSetting | undefined) ?? 'auto',
        ...(options.keepBackboneFrozen === true ? {} : { unfreezeFrom: options.unfreezeFrom }),
        ...(options.augmentation ? { augmentation: options.augmentation } : {}),
        ...(options.augmentedViews !== undefined ? { augmentedViews: options.augmentedViews } : {}),
        ...(hasLossTerms ? { blockedBy: 'loss terms need the images' } : {}),
        budgetBytes: options.frozenPrefixCacheBytes ?? defaultFrozenPrefixCacheBytes,
        batchSize: options.extractionBatchSize ?? 32,
        seed: options.seed ?? 0,
        ...(signal ? { signal } : {}),
        onProgress: (progress) => notifyExtraction(callbacks, progress),
      },
      head,
    ));
    for (const callback of callbacks) {
      await (callback as TrainerCallback).onNotice?.(prefixCacheReport.message);
    }
  }

  // On cached features in feature-extraction mode, through the backbone when fine-tuning.
  const threshold = options.threshold !== undefined ? { threshold: options.threshold } : {};
  const evaluateValidation = (data: ImageDataset) =>
    prefixCache?.validationTable
      ? prefixCache.evaluate(head, trainData.classNames, options.threshold)
      : validationTable
        ? evaluateFeatures({
            head,
            table: validationTable,
            classNames: trainData.classNames,
            ...threshold,
          })
        : evaluate({
            backbone,
            head,
            data,
            batchSize: microBatchSize * 2,
            ...(signal ? { signal } : {}),
            ...threshold,
          });
  const trainingStarted = now();
  let peakTensorBytes = tf.memory().numBytes;
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
    while (epoch < options.epochs && !control.stopRequested) {
      throwIfAborted();
      context.epoch = epoch;
      for (const callback of callbacks) await callback.onEpochBegin?.(epoch, context);
      const epochStarted = now();
      // One draw per epoch: shuffling and augmentation seeds follow from it, so a run resumed
      // from a checkpoint (which stores the generator state) sees the same data order.
      const epochSeed = random.nextUint32();
      const sums = { loss: 0, correct: 0, images: 0 };
      const componentSums = new Map<string, number>();
      let batchIndex = 0;
      const runStep = async (
        inputs: tf.Tensor,
        targets: tf.Tensor,
        forward: (x: tf.Tensor) => tf.Tensor,
        terms?: {
          data: StepLossData;
          forwardTarget: (x: tf.Tensor) => { probabilities: tf.Tensor; features?: tf.Tensor };
          sourceFeatures: () => tf.Tensor | undefined;
        },
      ) => {
        context.step = step;
        for (const callback of callbacks) await callback.onBatchBegin?.(batchIndex, context);
        const learningRate = learningRateAt(step);
        let result: StepGradients;
        const recorded: RecordedComponent[] = [];
        const hardLoss = hardLabel
          ? stepHardLabelLoss({ settings: hardLabel, activation: head.activation, targets })
          : undefined;
        try {
          result = await stepGradients({
            forward,
            inputs,
            targets,
            activation: head.activation,
            variables,
            microBatchSize,
            ...(options.gradientClipNorm !== undefined
              ? { clipNorm: options.gradientClipNorm }
              : {}),
            ...(terms
              ? {
                  loss: stepLoss({
                    terms: lossTerms,
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
        peakTensorBytes = Math.max(peakTensorBytes, tf.memory().numBytes);
        optimizer.applyGradients({ variables, gradients: result.gradients, learningRate });
        const size = inputs.shape[0] ?? 0;
        const [loss, correct] = await Promise.all([result.loss.data(), result.correct.data()]);
        tf.dispose([result.loss, result.correct, result.globalNorm, ...result.gradients]);
        sums.loss += (loss[0] ?? 0) * size;
        sums.correct += correct[0] ?? 0;
        sums.images += size;
        for (const component of recorded) {
          const value = (await component.value.data())[0] ?? 0;
          component.value.dispose();
          const previous = componentSums.get(component.name) ?? 0;
          componentSums.set(component.name, previous + value * component.weight * size);
        }
        step++;
        context.step = step;
        if (wantsBatchLogs) {
          const logs: TrainLogs = {
            loss: loss[0] ?? Number.NaN,
            accuracy: (correct[0] ?? 0) / Math.max(size, 1),
            size,
            learning_rate: learningRate,
          };
          for (const callback of callbacks) await callback.onBatchEnd?.(batchIndex, logs, context);
        }
        batchIndex++;
      };

      if (mode === 'feature-extraction') {
        const table = trainTables[epoch % trainTables.length] as FeatureTable;
        const coralSamplers = (lossData?.coralTables ?? []).map(
          (coralTable, index) => new TargetRowSampler(coralTable.count, termSeed(epochSeed, index)),
        );
        const order = new SeededRandom(epochSeed).permutation(table.count);
        if (options.shuffle === false) order.sort((a, b) => a - b);
        for (let start = 0; start < table.count && !control.stopRequested; start += batchSize) {
          throwIfAborted();
          const rows = order.slice(start, start + batchSize);
          const [inputs, targets] = gatherRows(table, rows);
          const headForward = (x: tf.Tensor) =>
            head.model.apply(x, { training: true }) as tf.Tensor;
          const stepData = lossData
            ? featureStepData(lossData, epoch, rows, coralSamplers)
            : undefined;
          try {
            await runStep(
              inputs,
              targets,
              headForward,
              stepData
                ? {
                    data: stepData,
                    forwardTarget: (x) => ({ probabilities: headForward(x) }),
                    sourceFeatures: () => undefined,
                  }
                : undefined,
            );
          } finally {
            tf.dispose([inputs, targets]);
            if (stepData) disposeStepData(stepData);
          }
        }
      } else if (prefixCache) {
        const cached = prefixCache.batches({
          epoch,
          epochSeed,
          batchSize,
          shuffle: options.shuffle ?? true,
        });
        for (const { inputs, targets } of cached) {
          try {
            throwIfAborted();
            await runStep(inputs, targets, prefixCache.forward);
          } finally {
            tf.dispose([inputs, targets]);
          }
          if (control.stopRequested) break;
        }
      } else {
        const targetStreams = lossTerms.corals.map(
          (term, index) =>
            new TargetBatchStream({
              data: term.targetData,
              backbone,
              batchSize,
              seed: termSeed(epochSeed, index),
              ...(signal ? { signal } : {}),
            }),
        );
        try {
          // The decoder cuts a leading crop/flip itself when it can (fuse-augmentation.ts).
          const fused = fuseAugmentation(trainData, options.augmentation, (index) =>
            augmentationSeed(epochSeed, epoch, index),
          );
          for await (const original of fused.data.batches({
            batchSize,
            shuffle: options.shuffle ?? true,
            seed: epochSeed,
            epoch,
            ...(signal ? { signal } : {}),
          })) {
            let batch: ImageBatch = original;
            try {
              throwIfAborted();
              if (fused.augmentation) {
                batch = fused.augmentation.apply(original, {
                  seed: augmentationSeed(epochSeed, epoch, batchIndex),
                  numClasses,
                });
              }
              const inputs = normalizeImages(batch.images, backbone.preprocessing);
              const targets = toTargets(batch.labels, numClasses);
              let sourceFeatures: tf.Tensor | undefined;
              const forwardParts = (x: tf.Tensor) => {
                const features = backbone.model.apply(x, { training: true }) as tf.Tensor;
                const probabilities = head.model.apply(features, { training: true }) as tf.Tensor;
                return { features, probabilities };
              };
              const stepData: StepLossData | undefined = hasLossTerms
                ? {
                    ...(lossTerms.distillation
                      ? { teacherLogits: lossTerms.distillation.logitsTeacher.logits(batch.images) }
                      : {}),
                    coralTargets: await Promise.all(targetStreams.map((stream) => stream.next())),
                  }
                : undefined;
              try {
                await runStep(
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

      const seconds = (now() - epochStarted) / 1000;
      const logs: TrainLogs = {
        loss: sums.loss / Math.max(sums.images, 1),
        accuracy: sums.correct / Math.max(sums.images, 1),
        learning_rate: learningRateAt(Math.max(step - 1, 0)),
        images_per_second: sums.images / Math.max(seconds, 1e-9),
        epoch_seconds: seconds,
      };
      for (const [name, sum] of componentSums) logs[name] = sum / Math.max(sums.images, 1);
      if (options.validationData) {
        validation = await evaluateValidation(options.validationData);
        validationStale = false;
        logs.val_loss = validation.loss;
        logs.val_accuracy = validation.accuracy;
        logs.val_balanced_accuracy = validation.balancedAccuracy;
        logs.val_macro_f1 = validation.macroF1;
        for (const [k, value] of Object.entries(validation.topKAccuracy)) {
          logs[`val_top${k}_accuracy`] = value;
        }
        Object.assign(logs, multiLabelLogs(validation));
      }
      if (options.schedule?.observe) {
        const monitor = options.scheduleMonitor ?? (options.validationData ? 'val_loss' : 'loss');
        const value = logs[monitor];
        if (value !== undefined) options.schedule.observe(value, step);
      }
      history.push(logs);
      epoch++;
      // Callbacks see the state after the epoch (a checkpoint taken now resumes at `epoch`).
      for (const callback of callbacks) await callback.onEpochEnd?.(epoch - 1, logs, context);
    }
    const finalLogs = history[history.length - 1] ?? {};
    context.epoch = epoch;
    for (const callback of callbacks) await callback.onTrainEnd?.(finalLogs, context);
    // `validation === undefined`: resumed at the end, no epoch ran to evaluate.
    if ((validationStale || validation === undefined) && options.validationData) {
      validation = await evaluateValidation(options.validationData);
    }
  } finally {
    trainTables = [];
    if (prefixCache !== sharedPrefixCache) prefixCache?.dispose();
  }
  return {
    history,
    epoch,
    step,
    ...(control.stopReason !== undefined || control.stopRequested
      ? { stopReason: control.stopReason ?? 'stopped by a callback' }
      : {}),
    ...(validation ? { validation } : {}),
    ...(extraction ? { extraction } : {}),
    ...(extractionSeconds !== undefined ? { extractionSeconds } : {}),
    ...(prefixCacheReport ? { frozenPrefixCache: prefixCacheReport } : {}),
    ...(lossData && lossTerms.distillation
      ? { teacher: { images: lossData.teacherImages, cacheHits: lossData.teacherCacheHits } }
      : {}),
    trainingSeconds: (now() - trainingStarted) / 1000,
    peakTensorBytes,
  };
}

/** Callbacks with `getState`, by name; names must be unique so each state finds its owner. */
function statefulCallbacksByName(
  callbacks: readonly (Callback | TrainerCallback)[],
): Map<string, TrainerCallback> {
  const byName = new Map<string, TrainerCallback>();
  callbacks.forEach((callback: TrainerCallback, index) => {
    if (callback.getState === undefined) return;
    const name = callback.name ?? `callback-${index}`;
    if (byName.has(name)) {
      throw new InvalidArgumentError({
        argument: 'callbacks',
        value: name,
        expected: 'stateful callbacks must have unique names (their state is saved by name)',
      });
    }
    byName.set(name, callback);
  });
  return byName;
}

/** Hands each callback its saved state; the decoded tensors are disposed afterwards. */
function restoreCallbackStates(
  checkpoint: TrainingCheckpoint,
  callbacks: ReadonlyMap<string, TrainerCallback>,
): void {
  const states = readCallbackStates(checkpoint);
  try {
    for (const [name, state] of states) callbacks.get(name)?.setState?.(state);
  } finally {
    for (const state of states.values()) tf.dispose(Object.values(state.tensors ?? {}));
  }
}

/** One feature-extraction step's teacher logits and CORAL target features. */
function featureStepData(
  data: FeatureLossData,
  epoch: number,
  rows: readonly number[],
  samplers: readonly TargetRowSampler[],
): StepLossData {
  const teacherTable = data.teacherTables[epoch % Math.max(data.teacherTables.length, 1)];
  let teacherLogits: tf.Tensor2D | undefined;
  if (teacherTable) {
    const width = teacherTable.numClasses;
    const values = new Float32Array(rows.length * width);
    rows.forEach((row, index) => {
      values.set(teacherTable.logits.subarray(row * width, (row + 1) * width), index * width);
    });
    teacherLogits = tf.tensor2d(values, [rows.length, width]);
  }
  const coralTargets = data.coralTables.map((table, index) => {
    const sampled = (samplers[index] as TargetRowSampler).next(rows.length);
    const [features, targets] = gatherRows(table, sampled);
    targets.dispose();
    return features;
  });
  return { ...(teacherLogits ? { teacherLogits } : {}), coralTargets };
}

function disposeStepData(data: StepLossData): void {
  tf.dispose([...(data.teacherLogits ? [data.teacherLogits] : []), ...data.coralTargets]);
}

function isNotBatchNorm(layer: { getClassName(): string }): boolean {
  return layer.getClassName() !== 'BatchNormalization';
}

function validateOptions(options: TrainOptions): void {
  if (
    options.batchNorm !== undefined &&
    options.batchNorm !== 'frozen' &&
    options.batchNorm !== 'train'
  ) {
    throw new InvalidArgumentError({
      argument: 'batchNorm',
      value: options.batchNorm,
      expected: 'must be one of: frozen, train',
    });
  }
  if (options.mode !== 'feature-extraction' && options.mode !== 'fine-tune') {
    throw new InvalidArgumentError({
      argument: 'mode',
      value: options.mode,
      expected: 'must be one of: feature-extraction, fine-tune',
    });
  }
  const positiveIntegers: Array<[string, number | undefined]> = [
    ['epochs', options.epochs],
    ['batchSize', options.batchSize],
    ['microBatchSize', options.microBatchSize],
    ['augmentedPasses', options.augmentedPasses],
    ['extractionBatchSize', options.extractionBatchSize],
    ['augmentedViews', options.augmentedViews],
  ];
  for (const [argument, value] of positiveIntegers) {
    if (value === undefined && argument !== 'epochs') continue;
    if (!(Number.isInteger(value) && (value as number) > 0)) {
      throw new InvalidArgumentError({ argument, value, expected: 'must be an integer > 0' });
    }
  }
  if (
    options.gradientClipNorm !== undefined &&
    !(Number.isFinite(options.gradientClipNorm) && options.gradientClipNorm > 0)
  ) {
    throw new InvalidArgumentError({
      argument: 'gradientClipNorm',
      value: options.gradientClipNorm,
      expected: 'must be a finite number > 0',
    });
  }
  if (options.validationData) {
    const train = options.trainData.classNames.join('\n');
    if (options.validationData.classNames.join('\n') !== train) {
      throw new InvalidArgumentError({
        argument: 'validationData.classNames',
        value: options.validationData.classNames,
        expected: `must equal trainData.classNames (${options.trainData.classNames.join(', ')})`,
      });
    }
  }
}

function gatherRows(table: FeatureTable, rows: readonly number[]): [tf.Tensor2D, tf.Tensor2D] {
  const features = new Float32Array(rows.length * table.featureDim);
  const targets = new Float32Array(rows.length * table.numClasses);
  rows.forEach((row, index) => {
    features.set(
      table.features.subarray(row * table.featureDim, (row + 1) * table.featureDim),
      index * table.featureDim,
    );
    targets.set(
      table.targets.subarray(row * table.numClasses, (row + 1) * table.numClasses),
      index * table.numClasses,
    );
  });
  return [
    tf.tensor2d(features, [rows.length, table.featureDim]),
    tf.tensor2d(targets, [rows.length, table.numClasses]),
  ];
}

function notifyExtraction(
  callbacks: readonly (Callback | TrainerCallback)[],
  progress: { pass: number | 'validation'; done: number; total: number; cached?: number },
): void {
  // Progress is informational: not awaited, so a slow display never holds the backbone up.
  for (const callback of callbacks)
    void (callback as TrainerCallback).onExtractionProgress?.(progress);
}

function addStats(total: ExtractionStats, stats: ExtractionStats): void {
  total.images += stats.images;
  total.cacheHits += stats.cacheHits;
  total.backboneCalls += stats.backboneCalls;
  total.backboneImages += stats.backboneImages;
}

function snapshot(weights: readonly KeyedWeight[]): WeightSnapshot {
  const tensors = new Map<string, tf.Tensor>();
  for (const { key, weight } of weights) tensors.set(key, tf.clone(weight.read()));
  return {
    tensors,
    dispose: () => {
      tf.dispose([...tensors.values()]);
      tensors.clear();
    },
  };
}

function restore(weights: readonly KeyedWeight[], saved: WeightSnapshot): void {
  for (const { key, weight } of weights) {
    const tensor = saved.tensors.get(key);
    // `write` shares the snapshot's data (reference counted), so the snapshot stays disposable.
    if (tensor !== undefined) weight.write(tensor);
  }
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}
