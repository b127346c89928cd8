import { InvalidArgumentError } from '@graft/core';

/** One label of a prediction. */
export interface Prediction {
  /** Class name. */
  label: string;
  /** Class index. */
  index: number;
  /** Probability. */
  probability: number;
}

/** Options of `Classifier.predict` and {@link rankPredictions}. */
export interface PredictOptions {
  /** Labels returned per image, most probable first. Default: all. */
  topK?: number;
  /**
   * Keep only labels whose probability is >= this, e.g. `classifier.threshold` for a
   * multi-label model (every label over the threshold, possibly none). Default: no filter.
   */
  threshold?: number;
}

/**
 * Each row of `[rows, labels]` probabilities as predictions, most probable first: `topK` of
 * them (default all), only those >= `threshold` when given. `Classifier.predict` and the
 * predictor package's engines (tfjs, ONNX Runtime) all rank through it.
 */
export function rankPredictions(
  probabilities: Float32Array,
  labels: readonly string[],
  options: PredictOptions = {},
): Prediction[][] {
  const { topK, threshold } = checkPredictOptions(options, labels.length);
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

/**
 * `options` checked against a model of `classes` outputs: `topK` (default all) and `threshold`.
 * Throws an InvalidArgumentError naming the option otherwise.
 */
export function checkPredictOptions(
  options: PredictOptions,
  classes: number,
): { topK: number; threshold: number | undefined } {
  const topK = options.topK ?? classes;
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
  return { topK, threshold };
}
