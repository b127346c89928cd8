import { InvalidArgumentError } from '@graft/core';
import type { Prediction, PredictOptions } from '@graft/trainer';

/**
 * Each row of `[rows, labels]` probabilities as predictions, most probable first: `topK` of
 * them (default all), only those >= `threshold` when given, as `Classifier.predict` of
 * `@graft/trainer` ranks them.
 */
export function rankPredictions(
  probabilities: Float32Array,
  labels: readonly string[],
  options: PredictOptions = {},
): Prediction[][] {
  const topK = options.topK ?? labels.length;
  if (!(Number.isInteger(topK) && topK > 0)) {
    throw new InvalidArgumentError({
      argument: 'topK',
      value: topK,
      expected: 'must be an integer > 0',
    });
  }
  const threshold = options.threshold;
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) {
    throw new InvalidArgumentError({
      argument: 'threshold',
      value: threshold,
      expected: 'must be a number in [0, 1]',
    });
  }
  const classes = labels.length;
  const rows: Prediction[][] = [];
  for (let row = 0; row * classes < probabilities.length; row++) {
    rows.push(
      Array.from(
        probabilities.subarray(row * classes, (row + 1) * classes),
        (probability, index) => ({
          label: labels[index] ?? String(index),
          index,
          probability,
        }),
      )
        .filter((prediction) => threshold === undefined || prediction.probability >= threshold)
        .sort((a, b) => b.probability - a.probability)
        .slice(0, topK),
    );
  }
  return rows;
}
