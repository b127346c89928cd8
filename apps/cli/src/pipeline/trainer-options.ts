import type { Backbone, Head, ImageAugmentation, Schedule } from '@graft/core';
import type {
  FeatureComputer,
  FeatureStore,
  GradientComputer,
  Optimizer,
  PrefixRunnerFactory,
  TrainingCheckpoint,
  TrainOptions,
} from '@graft/trainer';
import type { TrainConfig } from '../config/train-config.js';
import type { CommandOutput } from '../output.js';
import { isOnnxGradientComputer, onnxMicroBatch } from './fine-tuning-engine.js';
import { hardLabelLossOptions } from './hard-label-loss-options.js';
import type { loadLossTerms } from './load-loss-terms.js';
import type { TrainingData } from './training-data.js';

/** The trainer's options for a `graft train` run: `config` mapped onto `train`'s settings. */
export function trainerOptions(settings: {
  /** Validated settings. */
  config: TrainConfig;
  /** Where the micro-batch choice is printed. */
  output: CommandOutput;
  /** The loaded backbone. */
  backbone: Backbone;
  /** The new head. */
  head: Head;
  /** The loaded splits. */
  data: TrainingData;
  /** The run's optimiser (the caller disposes it). */
  optimizer: Optimizer;
  /** The run's learning-rate schedule. */
  schedule: Schedule;
  /** `--augment`, when given. */
  augmentation: ImageAugmentation | undefined;
  /** The run's hooks. */
  callbacks: NonNullable<TrainOptions['callbacks']>;
  /** Ctrl-C / SIGTERM. */
  signal: AbortSignal;
  /** The checkpoint the run continues from. */
  resume?: TrainingCheckpoint;
  /** Computes frozen features elsewhere (extraction workers, ONNX Runtime). */
  featureComputer?: FeatureComputer;
  /** Where the trainer looks frozen features up first. */
  featureStore?: FeatureStore;
  /** Computes fine-tuning gradients elsewhere (training workers, ONNX Runtime). */
  gradientComputer?: GradientComputer | undefined;
  /** Loaded `--teacher` / `--coral-target` terms. */
  lossTerms?: Awaited<ReturnType<typeof loadLossTerms>>;
  /** Runs the frozen-prefix cache's pass outside tfjs (ONNX Runtime). */
  prefixRunner?: PrefixRunnerFactory;
}): TrainOptions {
  const { config, output, backbone, head, data, optimizer, schedule, augmentation } = settings;
  // Native memory, not the 4 GiB wasm heap: one micro-batch per worker when it fits.
  const onnxChoice =
    config.microBatch === undefined && isOnnxGradientComputer(settings.gradientComputer)
      ? onnxMicroBatch({
          backbone,
          batchSize: config.batchSize,
          concurrency: settings.gradientComputer.concurrency,
        })
      : undefined;
  return {
    backbone,
    head,
    trainData: data.train,
    ...(data.validation ? { validationData: data.validation } : {}),
    mode: config.mode,
    epochs: config.epochs,
    batchSize: config.batchSize,
    optimizer,
    schedule,
    ...(augmentation ? { augmentation } : {}),
    ...(config.unfreezeFrom ? { unfreezeFrom: config.unfreezeFrom } : {}),
    ...(config.backboneLearningRateFactor !== undefined || config.layerDecay !== undefined
      ? {
          discriminative: {
            ...(config.backboneLearningRateFactor !== undefined
              ? { backboneMultiplier: config.backboneLearningRateFactor }
              : {}),
            ...(config.layerDecay !== undefined ? { layerDecay: config.layerDecay } : {}),
          },
        }
      : {}),
    ...(config.microBatch !== undefined
      ? { microBatchSize: config.microBatch }
      : onnxChoice
        ? { microBatchSize: onnxChoice.microBatchSize }
        : {}),
    onMicroBatchSize: (choice) => output.info(onnxChoice?.reason ?? choice.reason),
    callbacks: settings.callbacks,
    seed: config.seed,
    signal: settings.signal,
    ...(settings.resume ? { resume: settings.resume } : {}),
    ...(settings.featureComputer ? { featureComputer: settings.featureComputer } : {}),
    ...(settings.featureStore ? { featureStore: settings.featureStore } : {}),
    ...(settings.gradientComputer ? { gradientComputer: settings.gradientComputer } : {}),
    ...(settings.lossTerms ? { lossTerms: settings.lossTerms.terms } : {}),
    ...hardLabelLossOptions(config, data.classNames),
    frozenPrefixCache: config.frozenPrefixCache,
    ...(settings.prefixRunner ? { prefixRunner: settings.prefixRunner } : {}),
    batchNorm: config.batchNorm,
    ...(config.clipNorm !== undefined ? { gradientClipNorm: config.clipNorm } : {}),
    ...(config.augmentedPasses !== undefined ? { augmentedPasses: config.augmentedPasses } : {}),
    threshold: config.threshold,
  };
}
