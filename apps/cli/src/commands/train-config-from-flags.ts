import { basename, join, resolve } from 'node:path';
import { isModelFileReference } from '../config/backbone-reference.js';
import { loadConfigFile } from '../config/load-config-file.js';
import { resolveTrainConfig, type TrainConfig } from '../config/train-config.js';
import { defaultBackboneName } from '../pipeline/defaults.js';
import type { TrainFlags } from './training-flags.js';

/** A backbone's short name for run folders: a model file's folder name, else the registered name. */
export function backboneLabel(backbone: string): string {
  if (!isModelFileReference(backbone)) return backbone;
  return basename(resolve(backbone).replace(/[\\/]model\.json$/i, '')) || 'model';
}

/** Merges `--config` and flags into a validated {@link TrainConfig}. */
export async function trainConfigFrom(
  data: string | undefined,
  flags: TrainFlags,
): Promise<TrainConfig> {
  const file = flags.config ? await loadConfigFile(flags.config) : undefined;
  return resolveTrainConfig({
    ...(file ? { file } : {}),
    flags: {
      data,
      split: flags.split,
      splitManifest: flags.splitManifest,
      backbone: flags.backbone,
      weights: flags.weights,
      featureLayer: flags.featureLayer,
      inputRange: flags.inputRange,
      mode: flags.mode,
      epochs: flags.epochs,
      batchSize: flags.batchSize,
      lr: flags.lr,
      schedule: flags.schedule,
      optimizer: flags.optimizer,
      batchNorm: flags.batchNorm,
      clipNorm: flags.clipNorm,
      augmentedPasses: flags.augmentedPasses,
      augment: flags.augment,
      head: flags.head,
      unfreezeFrom: flags.unfreezeFrom,
      microBatch: flags.microBatch,
      freezeEpochs: flags.freezeEpochs,
      headLearningRate: flags.headLr,
      unfreezeStages: flags.unfreezeStages,
      backboneLearningRateFactor: flags.backboneLrFactor,
      layerDecay: flags.layerDecay,
      frozenPrefixCache: flags.frozenPrefixCache,
      earlyStop: flags.earlyStop,
      seed: flags.seed,
      out: flags.out,
      // commander sets keepBest true by default for --no-keep-best; only `false` is an override.
      keepBest: flags.keepBest === false ? false : undefined,
      // `--keep-best <k>`: the best epoch is restored, and its k best checkpoints kept.
      keepBestCheckpoints: typeof flags.keepBest === 'string' ? flags.keepBest : undefined,
      keepCheckpoints: flags.keepCheckpoints,
      labels: flags.labels,
      labelDelimiter: flags.labelDelimiter,
      threshold: flags.threshold,
      loss: flags.loss,
      classWeight: flags.classWeight,
      labelSmoothing: flags.labelSmoothing,
      monitor: flags.monitor,
      calibrate: flags.calibrate,
    },
    defaults: {
      backbone: defaultBackboneName,
      out: ({ data: source, backbone }) =>
        join('runs', `${basename(resolve(source)) || 'data'}-${backboneLabel(backbone)}`),
    },
  });
}
