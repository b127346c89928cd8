import type {
  Backbone,
  Callback,
  Head,
  ImageAugmentation,
  ImageDataset,
  Schedule,
  TrainLogs,
} from '@graft/core';
import type { TrainerCallback } from '../callbacks/trainer-context.js';
import type { TrainingCheckpoint } from '../checkpoint/training-checkpoint.js';
import type { EvaluationReport } from '../evaluation/metrics.js';
import type { ExtractionStats } from '../features/extract-features.js';
import type { FeatureComputer } from '../features/feature-computer.js';
import type { FeatureStore } from '../features/feature-store.js';
import type { ClassWeightSetting } from '../losses/class-weights.js';
import type { ClassificationLoss } from '../losses/classification-loss.js';
import type { LossTerm } from '../losses/loss-term.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { MicroBatchChoice } from './choose-micro-batch-size.js';
import type {
  FrozenPrefixCache,
  FrozenPrefixCacheReport,
  FrozenPrefixCacheSetting,
} from './frozen-prefix-cache.js';
import type { GradientComputer } from './gradient-computer.js';
import type { PrefixRunnerFactory } from './prefix-runner.js';
import type { DiscriminativeLearningRates } from './trainable-variables.js';

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
  /**
   * Runs the frozen-prefix cache's pass outside tfjs (e.g. ONNX Runtime); default: tfjs. The
   * activations then agree with tfjs's to rounding, and the epochs still train in tfjs.
   */
  prefixRunner?: PrefixRunnerFactory;
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
