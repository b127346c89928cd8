import { InvalidArgumentError } from '@graft/core';

/** One confidence bin of a reliability diagram. */
export interface CalibrationBin {
  /** Lower edge (exclusive, except 0 for the first bin). */
  lower: number;
  /** Upper edge (inclusive). */
  upper: number;
  /** Images whose confidence falls in the bin. */
  count: number;
  /** Share of them predicted correctly (0 when empty). */
  accuracy: number;
  /** Their mean confidence (0 when empty). */
  confidence: number;
}

/** What {@link expectedCalibrationError} returns. */
export interface CalibrationError {
  /** Σ_b (n_b / N) · |accuracy_b − confidence_b|, in [0, 1]. */
  expectedCalibrationError: number;
  /** The bins, lowest confidence first (for a reliability diagram). */
  bins: CalibrationBin[];
}

/** Options of {@link expectedCalibrationError}. */
export interface ExpectedCalibrationErrorOptions {
  /** Row-major `count × classes` probabilities (softmax outputs). */
  probabilities: Float32Array | readonly number[];
  /** True class index of each row. */
  labels: ArrayLike<number>;
  /** Number of classes (row length). */
  classes: number;
  /** Equal-width confidence bins over [0, 1]. Default 15 (Guo et al. 2017). */
  bins?: number;
}

/**
 * Expected calibration error with the standard definition (Naeini et al. 2015, Guo et al. 2017):
 * each image's confidence is its top probability and it is correct when that class (the first
 * one on ties) is its label; images fall into `bins` equal-width bins `(lower, upper]`, and the
 * gaps between accuracy and mean confidence are averaged, weighted by bin size.
 */
export function expectedCalibrationError(
  options: ExpectedCalibrationErrorOptions,
): CalibrationError {
  const { probabilities, labels, classes } = options;
  const binCount = options.bins ?? 15;
  if (!(Number.isInteger(binCount) && binCount > 0)) {
    throw new InvalidArgumentError({
      argument: 'bins',
      value: binCount,
      expected: 'must be an integer > 0',
    });
  }
  if (
    !(Number.isInteger(classes) && classes > 0) ||
    probabilities.length !== labels.length * classes
  ) {
    throw new InvalidArgumentError({
      argument: 'probabilities',
      value: `${probabilities.length} values`,
      expected: `must hold labels.length × classes = ${labels.length} × ${classes} values`,
    });
  }
  const counts = new Array<number>(binCount).fill(0);
  const correct = new Array<number>(binCount).fill(0);
  const confidenceSums = new Array<number>(binCount).fill(0);
  for (let row = 0; row < labels.length; row++) {
    let best = 0;
    let confidence = -Infinity;
    for (let column = 0; column < classes; column++) {
      const value = probabilities[row * classes + column] as number;
      if (value > confidence) {
        confidence = value;
        best = column;
      }
    }
    // (lower, upper]: confidence c goes to bin ceil(c·B) − 1; 0 joins the first bin.
    const bin = Math.min(binCount - 1, Math.max(0, Math.ceil(confidence * binCount) - 1));
    counts[bin] = (counts[bin] as number) + 1;
    confidenceSums[bin] = (confidenceSums[bin] as number) + confidence;
    if (best === labels[row]) correct[bin] = (correct[bin] as number) + 1;
  }
  const total = labels.length;
  let error = 0;
  const bins = counts.map((count, index): CalibrationBin => {
    const accuracy = count > 0 ? (correct[index] as number) / count : 0;
    const confidence = count > 0 ? (confidenceSums[index] as number) / count : 0;
    if (count > 0) error += (count / total) * Math.abs(accuracy - confidence);
    return { lower: index / binCount, upper: (index + 1) / binCount, count, accuracy, confidence };
  });
  return { expectedCalibrationError: total > 0 ? error : 0, bins };
}
