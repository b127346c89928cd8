import { InvalidArgumentError } from '@graft/core';
import type { ClassificationLoss, ClassWeightSetting } from '@graft/trainer';
import { buildLoss, classWeightSetting } from '../config/loss-options.js';
import type { TrainConfig } from '../config/train-config.js';

/**
 * The trainer's `loss`, `classWeight` and `labelSmoothing` from `--loss`, `--class-weight` and
 * `--label-smoothing`; only what differs from the defaults, so a plain run keeps the trainer's
 * default path. Class names in `--class-weight` are checked against `classNames` here.
 */
export function hardLabelLossOptions(
  config: Pick<TrainConfig, 'loss' | 'classWeight' | 'labelSmoothing'>,
  classNames: readonly string[],
): { loss?: ClassificationLoss; classWeight?: ClassWeightSetting; labelSmoothing?: number } {
  const loss = config.loss !== 'cross-entropy' ? buildLoss('--loss', config.loss) : undefined;
  const alpha = loss?.getConfig().alpha;
  if (Array.isArray(alpha) && alpha.length !== classNames.length) {
    throw new InvalidArgumentError({
      argument: '--loss',
      value: config.loss,
      expected: `must give alpha one value per class, in class order (${classNames.join(', ')})`,
    });
  }
  return {
    ...(loss ? { loss } : {}),
    ...(config.classWeight !== undefined
      ? { classWeight: classWeightSetting('--class-weight', config.classWeight, classNames) }
      : {}),
    ...(config.labelSmoothing > 0 ? { labelSmoothing: config.labelSmoothing } : {}),
  };
}
