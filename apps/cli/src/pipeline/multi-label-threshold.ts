import { InvalidArgumentError } from '@graft/core';
import type { Classifier } from '@graft/trainer';
import { parseThreshold } from '../config/multi-label-options.js';

/**
 * The threshold `predict`/`eval` apply: `--threshold` when given, else the one the model
 * records; undefined for a single-label (softmax) model, where `--threshold` is an error.
 */
export function predictThreshold(
  classifier: Classifier,
  flag: string | undefined,
): number | undefined {
  if (!classifier.multiLabel) {
    if (flag === undefined) return undefined;
    throw new InvalidArgumentError({
      argument: '--threshold',
      value: flag,
      expected:
        'applies only to a multi-label model (trained with --head multi-label); this one is single-label (softmax), use --top',
    });
  }
  return flag === undefined ? classifier.threshold : parseThreshold(flag);
}
