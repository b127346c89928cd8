import { resolve } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import { isModelFileReference, modelFileWeights } from './backbone-reference.js';
import { parseHeadSpecification } from './head-specification.js';
import {
  monitorChoices,
  parseClassWeightSpecification,
  parseLossSpecification,
} from './loss-options.js';
import { type MultiLabelOptions, parseMultiLabelOptions } from './multi-label-options.js';
import { parseOptimizerSpecification } from './optimizer-specification.js';
import {
  parseBoolean,
  parseChoice,
  parseInteger,
  parsePositiveNumber,
  parseRange,
  parseSplit,
  parseText,
} from './parse-values.js';
import { parseUnfreezeStages } from './unfreeze-stages.js';

/** Training modes. */
export const trainingModes = ['feature-extraction', 'fine-tune'] as const;
/** How the backbone is used during training. */
export type TrainingMode = (typeof trainingModes)[number];

/** Everything `graft train` needs, after merging the config file, the flags and the defaults. */
export interface TrainConfig extends MultiLabelOptions {
  /** Data: a folder with `train/` and `val/` (optional `test/`), a flat class folder, or `cifar10`/`cifar100`. */
  data: string;
  /** Fractions train/val/test used to split a flat class folder. */
  split: [number, number, number] | undefined;
  /** A split manifest (an earlier run's `split-manifest.json`) to train on instead of splitting. */
  splitManifest: string | undefined;
  /** Registered backbone name, or the path of a TF.js LayersModel `model.json` (or its folder). */
  backbone: string;
  /**
   * Weights: `imagenet` (the backbone's default pretrained weights), `none` (random), or a file
   * path (TF.js folder or `model.json`, Keras `.h5`, `.safetensors`); `model` (the only choice)
   * for a model-file backbone, whose weights are in the file.
   */
  weights: string;
  /** Model-file backbone: the layer whose output is the features; undefined for the model output. */
  featureLayer: string | undefined;
  /** Model-file backbone: the input value range its weights expect; undefined for `[-1, 1]`. */
  inputRange: [number, number] | undefined;
  /** Feature extraction (frozen backbone, cached features) or fine-tuning. */
  mode: TrainingMode;
  /** Epochs. */
  epochs: number;
  /** Images per batch. */
  batchSize: number;
  /** Peak learning rate. */
  learningRate: number;
  /** Learning-rate schedule name. */
  schedule: string;
  /**
   * The optimiser: a registered name with options (`sgd:momentum=0.9,nesterov=true`, `adamw`) or
   * a JSON object with a `name`; its learning rate comes from `learningRate` and `schedule`.
   */
  optimizer: string;
  /** Augmentation: comma-separated op names, or a JSON pipeline config; undefined for none. */
  augment: string | undefined;
  /**
   * The classifier head: a registered name with options (`mlp:hiddenUnits=[1024],dropout=0.2`) or
   * a JSON object with a `name`; see `parseHeadSpecification`.
   */
  head: string;
  /** Fine-tuning: first backbone layer (name or index) to train; earlier layers stay frozen. */
  unfreezeFrom: string | undefined;
  /**
   * Fine-tuning: images per forward/backward pass (gradients are summed over the batch);
   * undefined for the trainer's choice from a memory estimate.
   */
  microBatch: number | undefined;
  /**
   * Fine-tuning, staged unfreeze: epochs training only the head on cached features before
   * unfreezing (then `epochs` more from `unfreezeFrom`). 0 unfreezes at once.
   */
  freezeEpochs: number;
  /** Staged unfreeze: the head's learning rate in the frozen epochs. */
  headLearningRate: number;
  /**
   * Fine-tuning, gradual unfreeze: `<epochs done>:<stage>` items (`2:block_16,4:block_13,6:all`);
   * `epochs` then counts the whole run, head-only epochs included.
   */
  unfreezeStages: string | undefined;
  /** Fine-tuning: multiplies the backbone's learning rate (discriminative rates, e.g. 0.1). */
  backboneLearningRateFactor: number | undefined;
  /** Fine-tuning: per-stage decay of the backbone's learning rate from the top (e.g. 0.7). */
  layerDecay: number | undefined;
  /** Fine-tuning: `auto` trains on cached activations of the frozen layers when exact, `off` never. */
  frozenPrefixCache: 'auto' | 'off';
  /**
   * Fine-tuning: `frozen` keeps BatchNormalization layers in inference mode when unfreezing
   * (Keras's advice for small data), `train` trains them with batch statistics.
   */
  batchNorm: 'frozen' | 'train';
  /** Clip each step's gradients to this global L2 norm; undefined for no clipping. */
  clipNorm: number | undefined;
  /**
   * Feature extraction with `augment`: augmented copies of the training set to featurise
   * (epoch e trains on copy e mod passes); undefined for the trainer's default (4).
   */
  augmentedPasses: number | undefined;
  /** Early-stopping patience in epochs on validation loss; 0 turns it off. */
  earlyStop: number;
  /** Seed of every random choice (split, shuffling, augmentation, head initialisation). */
  seed: number;
  /** Run directory. */
  out: string;
  /** Keep the best epoch's weights (by validation accuracy) rather than the last one. */
  keepBest: boolean;
  /** Checkpoints kept in `checkpoints/` (the newest; older ones are deleted). At least 1. */
  keepCheckpoints: number;
  /** The best checkpoints (by `monitor`) kept in `checkpoints/` besides the newest. Default 0. */
  keepBestCheckpoints: number;
  /**
   * The hard-label loss: `cross-entropy` or `focal:gamma=2[,alpha=[…]]` (a registered loss in
   * the shared `name:key=value` syntax, or its JSON).
   */
  loss: string;
  /** Class weights: `balanced`, or `class=weight` pairs (`ants=1,bees=4`); undefined for none. */
  classWeight: string | undefined;
  /** Label smoothing ε in [0, 1). */
  labelSmoothing: number;
  /** What early stopping and `--keep-best` watch: val_loss, val_accuracy, val_balanced_accuracy, val_macro_f1. */
  monitor: (typeof monitorChoices)[number];
  /** Temperature scaling on the validation split after training (when there is one). */
  calibrate: boolean;
}

/** Defaults of optional fields. `backbone` and `out` are filled in by the command. */
export const trainDefaults = {
  weights: 'imagenet',
  mode: 'feature-extraction',
  epochs: 10,
  batchSize: 32,
  learningRate: 0.001,
  schedule: 'constant',
  optimizer: 'adam',
  head: 'linear',
  earlyStop: 0,
  seed: 0,
  keepBest: true,
  keepCheckpoints: 2,
  keepBestCheckpoints: 0,
  calibrate: true,
  freezeEpochs: 0,
  headLearningRate: 0.003,
  frozenPrefixCache: 'auto',
  batchNorm: 'frozen',
  loss: 'cross-entropy',
  labelSmoothing: 0,
  monitor: 'val_loss',
} as const satisfies Partial<TrainConfig>;

/** Config-file keys and their flags, for error messages. `lr` is an alias of `learningRate`. */
const flagOf: Record<string, string> = {
  data: '<data>',
  split: '--split',
  splitManifest: '--split-manifest',
  backbone: '--backbone',
  weights: '--weights',
  featureLayer: '--feature-layer',
  inputRange: '--input-range',
  mode: '--mode',
  epochs: '--epochs',
  batchSize: '--batch-size',
  learningRate: '--lr',
  lr: '--lr',
  schedule: '--schedule',
  optimizer: '--optimizer',
  augment: '--augment',
  head: '--head',
  unfreezeFrom: '--unfreeze-from',
  microBatch: '--micro-batch',
  freezeEpochs: '--freeze-epochs',
  headLearningRate: '--head-lr',
  unfreezeStages: '--unfreeze-stages',
  backboneLearningRateFactor: '--backbone-lr-factor',
  layerDecay: '--layer-decay',
  frozenPrefixCache: '--frozen-prefix-cache',
  batchNorm: '--batch-norm',
  clipNorm: '--clip-norm',
  augmentedPasses: '--augmented-passes',
  earlyStop: '--early-stop',
  seed: '--seed',
  out: '--out',
  keepBest: '--keep-best',
  keepCheckpoints: '--keep-checkpoints',
  keepBestCheckpoints: '--keep-best <k>',
  labels: '--labels',
  labelDelimiter: '--label-delimiter',
  threshold: '--threshold',
  loss: '--loss',
  classWeight: '--class-weight',
  labelSmoothing: '--label-smoothing',
  monitor: '--monitor',
  calibrate: '--calibrate',
};

/** Names accepted in a config file (camelCase; kebab-case works too). */
export const trainConfigKeys: readonly string[] = Object.keys(flagOf);

/** Options of {@link resolveTrainConfig}. */
export interface ResolveTrainConfigOptions {
  /** Values from the config file (camelCase keys), if one was given. */
  file?: Record<string, unknown>;
  /** Values from flags; `undefined` entries mean "not given" and do not override the file. */
  flags: Record<string, unknown>;
  /** Defaults the command computes (backbone, out). */
  defaults: { backbone: string; out: (config: { data: string; backbone: string }) => string };
}

/**
 * Merges config file ← flags (flags win) over the defaults, and validates every value. Throws
 * {@link InvalidArgumentError} naming the flag, the value and the valid choices.
 */
export function resolveTrainConfig(options: ResolveTrainConfigOptions): TrainConfig {
  const file = { ...(options.file ?? {}) };
  if ('lr' in file) {
    file.learningRate = file.lr;
    delete file.lr;
  }
  for (const key of Object.keys(file)) {
    if (!(key in flagOf)) {
      throw new InvalidArgumentError({
        argument: 'config file key',
        value: key,
        expected: `must be one of: ${trainConfigKeys.filter((name) => name !== 'lr').join(', ')}`,
      });
    }
  }
  const flags = Object.fromEntries(
    Object.entries(options.flags).filter(([, value]) => value !== undefined),
  );
  if ('lr' in flags) {
    flags.learningRate = flags.lr;
    delete flags.lr;
  }
  const merged: Record<string, unknown> = { ...file, ...flags };
  const pick = (key: keyof TrainConfig) => merged[key];
  const flag = (key: keyof TrainConfig) => flagOf[key] ?? key;

  if (pick('data') === undefined) {
    throw new InvalidArgumentError({
      argument: '<data>',
      value: undefined,
      expected:
        'is required: a folder with train/ and val/, a flat class folder with --split, or cifar10/cifar100',
    });
  }
  const data = parseText(flag('data'), pick('data'));
  const backbone =
    pick('backbone') === undefined
      ? options.defaults.backbone
      : parseText(flag('backbone'), pick('backbone'));
  const optionalText = (key: keyof TrainConfig) =>
    pick(key) === undefined ? undefined : parseText(flag(key), String(pick(key)));
  const modelFile = isModelFileReference(backbone);
  const weights = optionalText('weights') ?? (modelFile ? modelFileWeights : trainDefaults.weights);
  if (modelFile && weights !== modelFileWeights) {
    throw new InvalidArgumentError({
      argument: flag('weights'),
      value: weights,
      expected: `must be left out with --backbone ${backbone}: a model file carries its own weights`,
    });
  }
  for (const key of ['featureLayer', 'inputRange'] as const) {
    if (!modelFile && pick(key) !== undefined) {
      throw new InvalidArgumentError({
        argument: flag(key),
        value: pick(key),
        expected: `applies only to a --backbone model file (a TF.js model.json or its folder), not to the registered backbone ${backbone}`,
      });
    }
  }
  const mode =
    pick('mode') === undefined
      ? trainDefaults.mode
      : parseChoice(flag('mode'), pick('mode'), trainingModes);
  if (pick('split') !== undefined && pick('splitManifest') !== undefined) {
    throw new InvalidArgumentError({
      argument: flag('splitManifest'),
      value: pick('splitManifest'),
      expected: `cannot be combined with ${flag('split')}: the manifest already says which file is in which split`,
    });
  }
  if (pick('unfreezeStages') !== undefined) {
    if (mode !== 'fine-tune') {
      throw new InvalidArgumentError({
        argument: flag('unfreezeStages'),
        value: pick('unfreezeStages'),
        expected: 'applies only to --mode fine-tune',
      });
    }
    for (const key of ['unfreezeFrom', 'freezeEpochs'] as const) {
      // config.json of a gradual run records freezeEpochs 0 (the default).
      if (pick(key) !== undefined && !(key === 'freezeEpochs' && Number(pick(key)) === 0)) {
        throw new InvalidArgumentError({
          argument: flag('unfreezeStages'),
          value: pick('unfreezeStages'),
          expected: `cannot be combined with ${flag(key)}: the stages say what unfreezes when`,
        });
      }
    }
    const epochs =
      pick('epochs') === undefined
        ? trainDefaults.epochs
        : parseInteger(flag('epochs'), pick('epochs'), { minimum: 1 });
    parseUnfreezeStages(String(pick('unfreezeStages')), epochs);
  }
  if (pick('augmentedPasses') !== undefined) {
    // Passes are featurised once; fine-tuning augments every batch afresh (except staged
    // unfreeze's head epochs, which train on featurised passes too).
    const featurised = mode === 'feature-extraction' || Number(pick('freezeEpochs') ?? 0) > 0;
    if (pick('augment') === undefined || !featurised) {
      throw new InvalidArgumentError({
        argument: flag('augmentedPasses'),
        value: pick('augmentedPasses'),
        expected:
          "applies only with --augment, in --mode feature-extraction or staged unfreeze's head epochs (--freeze-epochs)",
      });
    }
  }
  for (const key of ['backboneLearningRateFactor', 'layerDecay', 'batchNorm'] as const) {
    // config.json of every run records batchNorm's default.
    const given = pick(key) !== undefined && !(key === 'batchNorm' && pick(key) === 'frozen');
    if (mode !== 'fine-tune' && given) {
      throw new InvalidArgumentError({
        argument: flag(key),
        value: pick(key),
        expected: 'applies only to --mode fine-tune (feature extraction trains the head alone)',
      });
    }
  }
  return {
    data,
    ...parseMultiLabelOptions({
      labels: pick('labels'),
      labelDelimiter: pick('labelDelimiter'),
      threshold: pick('threshold'),
    }),
    split: pick('split') === undefined ? undefined : parseSplit(flag('split'), pick('split')),
    splitManifest:
      pick('splitManifest') === undefined
        ? undefined
        : resolve(parseText(flag('splitManifest'), pick('splitManifest'))),
    backbone,
    weights,
    featureLayer: optionalText('featureLayer'),
    inputRange:
      pick('inputRange') === undefined
        ? undefined
        : parseRange(flag('inputRange'), pick('inputRange')),
    mode,
    epochs:
      pick('epochs') === undefined
        ? trainDefaults.epochs
        : parseInteger(flag('epochs'), pick('epochs'), { minimum: 1 }),
    batchSize:
      pick('batchSize') === undefined
        ? trainDefaults.batchSize
        : parseInteger(flag('batchSize'), pick('batchSize'), { minimum: 1, maximum: 4096 }),
    learningRate:
      pick('learningRate') === undefined
        ? trainDefaults.learningRate
        : parsePositiveNumber(flag('learningRate'), pick('learningRate')),
    schedule: optionalText('schedule') ?? trainDefaults.schedule,
    optimizer: parseOptimizerSpecification(
      pick('optimizer') === undefined
        ? trainDefaults.optimizer
        : typeof pick('optimizer') === 'string'
          ? parseText(flag('optimizer'), pick('optimizer'))
          : JSON.stringify(pick('optimizer')),
    ).text,
    augment:
      pick('augment') === undefined
        ? undefined
        : typeof pick('augment') === 'string'
          ? parseText(flag('augment'), pick('augment'))
          : JSON.stringify(pick('augment')),
    head: parseHeadSpecification(
      pick('head') === undefined
        ? trainDefaults.head
        : typeof pick('head') === 'string'
          ? parseText(flag('head'), pick('head'))
          : JSON.stringify(pick('head')),
    ).text,
    unfreezeFrom: optionalText('unfreezeFrom'),
    microBatch:
      pick('microBatch') === undefined
        ? undefined
        : parseInteger(flag('microBatch'), pick('microBatch'), { minimum: 1, maximum: 4096 }),
    freezeEpochs:
      pick('freezeEpochs') === undefined
        ? trainDefaults.freezeEpochs
        : parseInteger(flag('freezeEpochs'), pick('freezeEpochs'), { minimum: 0 }),
    headLearningRate:
      pick('headLearningRate') === undefined
        ? trainDefaults.headLearningRate
        : parsePositiveNumber(flag('headLearningRate'), pick('headLearningRate')),
    unfreezeStages: optionalText('unfreezeStages'),
    backboneLearningRateFactor:
      pick('backboneLearningRateFactor') === undefined
        ? undefined
        : parseUnitFactor(flag('backboneLearningRateFactor'), pick('backboneLearningRateFactor')),
    layerDecay:
      pick('layerDecay') === undefined
        ? undefined
        : parseUnitFactor(flag('layerDecay'), pick('layerDecay')),
    frozenPrefixCache:
      pick('frozenPrefixCache') === undefined
        ? trainDefaults.frozenPrefixCache
        : parseChoice(flag('frozenPrefixCache'), pick('frozenPrefixCache'), [
            'auto',
            'off',
          ] as const),
    batchNorm:
      pick('batchNorm') === undefined
        ? trainDefaults.batchNorm
        : parseChoice(flag('batchNorm'), pick('batchNorm'), ['frozen', 'train'] as const),
    clipNorm:
      pick('clipNorm') === undefined
        ? undefined
        : parsePositiveNumber(flag('clipNorm'), pick('clipNorm')),
    augmentedPasses:
      pick('augmentedPasses') === undefined
        ? undefined
        : parseInteger(flag('augmentedPasses'), pick('augmentedPasses'), {
            minimum: 1,
            maximum: 1000,
          }),
    earlyStop:
      pick('earlyStop') === undefined
        ? trainDefaults.earlyStop
        : parseInteger(flag('earlyStop'), pick('earlyStop'), { minimum: 0 }),
    seed:
      pick('seed') === undefined
        ? trainDefaults.seed
        : parseInteger(flag('seed'), pick('seed'), { minimum: 0, maximum: 2 ** 32 - 1 }),
    out:
      pick('out') === undefined
        ? options.defaults.out({ data, backbone })
        : parseText(flag('out'), pick('out')),
    keepBest:
      pick('keepBest') === undefined
        ? trainDefaults.keepBest
        : parseBoolean(flag('keepBest'), pick('keepBest')),
    keepCheckpoints:
      pick('keepCheckpoints') === undefined
        ? trainDefaults.keepCheckpoints
        : parseInteger(flag('keepCheckpoints'), pick('keepCheckpoints'), { minimum: 1 }),
    keepBestCheckpoints:
      pick('keepBestCheckpoints') === undefined
        ? trainDefaults.keepBestCheckpoints
        : parseInteger(flag('keepBestCheckpoints'), pick('keepBestCheckpoints'), { minimum: 0 }),
    loss:
      pick('loss') === undefined
        ? trainDefaults.loss
        : parseLossSpecification(flag('loss'), pick('loss')),
    classWeight:
      pick('classWeight') === undefined
        ? undefined
        : parseClassWeightSpecification(flag('classWeight'), pick('classWeight')),
    labelSmoothing:
      pick('labelSmoothing') === undefined
        ? trainDefaults.labelSmoothing
        : parseFraction(flag('labelSmoothing'), pick('labelSmoothing')),
    monitor:
      pick('monitor') === undefined
        ? trainDefaults.monitor
        : parseChoice(flag('monitor'), pick('monitor'), monitorChoices),
    calibrate:
      pick('calibrate') === undefined
        ? trainDefaults.calibrate
        : parseBoolean(flag('calibrate'), pick('calibrate')),
  };
}

/** A number in [0, 1). */
function parseFraction(name: string, value: unknown): number {
  const number = typeof value === 'number' ? value : Number(value);
  if (!(Number.isFinite(number) && number >= 0 && number < 1) || value === '') {
    throw new InvalidArgumentError({
      argument: name,
      value,
      expected: 'must be a number in [0, 1)',
    });
  }
  return number;
}

/** A learning-rate factor in (0, 1]: larger would train the backbone faster than the head. */
function parseUnitFactor(name: string, value: unknown): number {
  const factor = parsePositiveNumber(name, value);
  if (factor > 1) {
    throw new InvalidArgumentError({ argument: name, value, expected: 'must be in (0, 1]' });
  }
  return factor;
}
