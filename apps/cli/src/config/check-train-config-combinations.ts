import { InvalidArgumentError } from '@graft/core';
import { parseInteger } from './parse-values.js';
import type { TrainConfig, TrainingMode } from './train-config-fields.js';
import { trainDefaults } from './train-config-fields.js';
import { parseUnfreezeStages } from './unfreeze-stages.js';

/**
 * Rejects options that each parse but do not go together: a split with a split manifest,
 * gradual unfreeze with a single unfreeze point, augmented passes that are never featurised,
 * fine-tuning options in feature-extraction mode.
 */
export function checkTrainConfigCombinations(settings: {
  /** The merged value of a field (config file ← flags), before parsing. */
  pick: (key: keyof TrainConfig) => unknown;
  /** The flag that sets a field, for error messages. */
  flag: (key: keyof TrainConfig) => string;
  /** The parsed mode. */
  mode: TrainingMode;
}): void {
  const { pick, flag, mode } = settings;
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
}
