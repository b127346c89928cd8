import { resolve } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import { isModelFileReference, modelFileWeights } from './backbone-reference.js';
import { checkTrainConfigCombinations } from './check-train-config-combinations.js';
import { parseHeadSpecification } from './head-specification.js';
import {
  monitorChoices,
  parseClassWeightSpecification,
  parseLossSpecification,
} from './loss-options.js';
import { parseMultiLabelOptions } from './multi-label-options.js';
import { parseOptimizerSpecification } from './optimizer-specification.js';
import { parseFraction, parseUnitFactor } from './parse-fractions.js';
import {
  parseBoolean,
  parseChoice,
  parseInteger,
  parsePositiveNumber,
  parseRange,
  parseSplit,
  parseText,
} from './parse-values.js';
import { type TrainConfig, trainDefaults, trainingModes } from './train-config-fields.js';
import { trainConfigFlags as flagOf, trainConfigKeys } from './train-config-flags.js';

export {
  type TrainConfig,
  type TrainingMode,
  trainDefaults,
  trainingModes,
} from './train-config-fields.js';
export { trainConfigKeys } from './train-config-flags.js';

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
  checkTrainConfigCombinations({ pick, flag, mode });
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
