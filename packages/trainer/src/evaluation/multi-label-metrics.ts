import { InvalidArgumentError } from '@graft/core';
import type { ClassMetrics } from './class-metrics.js';

/** Decision threshold of a sigmoid output when none is given. */
export const defaultMultiLabelThreshold = 0.5;

/** The multi-label part of an evaluation report (sigmoid heads). */
export interface MultiLabelMetrics {
  /** A label is predicted when its probability is >= this. */
  threshold: number;
  /** Rows whose predicted label set equals the true set exactly (subset accuracy). */
  exactMatch: number;
  /** Fraction of (row, label) decisions that are right: 1 - Hamming loss. */
  hammingAccuracy: number;
  /** Precision over all (row, label) decisions pooled. */
  microPrecision: number;
  /** Recall over all (row, label) decisions pooled. */
  microRecall: number;
  /** F1 of the pooled counts (frequent labels weigh more). */
  microF1: number;
  /** Mean of the per-label F1 (every label weighs the same). */
  macroF1: number;
  /** Per label: precision, recall, F1 at the threshold; `support` = images carrying the label. */
  perLabel: ClassMetrics[];
  /** Mean number of labels per image, true and predicted. */
  labelsPerImage: { true: number; predicted: number };
}

/** Options of {@link computeMultiLabelMetrics}. */
export interface ComputeMultiLabelMetricsOptions {
  /** `count × numLabels` sigmoid probabilities, row-major. */
  probabilities: Float32Array;
  /** `count × numLabels` multi-hot targets (a value >= 0.5 means the label is present). */
  targets: Float32Array;
  /** Label names (length = number of labels). */
  classNames: readonly string[];
  /** Decision threshold in (0, 1). Default {@link defaultMultiLabelThreshold}. */
  threshold?: number;
}

/** Checks a decision threshold: a number strictly between 0 and 1. */
export function checkThreshold(threshold: number, argument = 'threshold'): number {
  if (!(typeof threshold === 'number' && threshold > 0 && threshold < 1)) {
    throw new InvalidArgumentError({
      argument,
      value: threshold,
      expected: 'must be a number in (0, 1), e.g. 0.5',
    });
  }
  return threshold;
}

/**
 * Multi-label metrics at a threshold, as scikit-learn defines them: exact-match (subset)
 * accuracy, Hamming accuracy, micro- and macro-averaged F1, and precision/recall/F1 per label
 * (0 when undefined, scikit-learn's `zero_division=0`). Plain numbers, no tensors.
 */
export function computeMultiLabelMetrics(
  options: ComputeMultiLabelMetricsOptions,
): MultiLabelMetrics {
  const threshold = checkThreshold(options.threshold ?? defaultMultiLabelThreshold);
  const numLabels = options.classNames.length;
  const count = Math.floor(options.probabilities.length / Math.max(numLabels, 1));
  const truePositives = new Array<number>(numLabels).fill(0);
  const predictedPositives = new Array<number>(numLabels).fill(0);
  const actualPositives = new Array<number>(numLabels).fill(0);
  let exact = 0;
  let agreements = 0;
  for (let row = 0; row < count; row++) {
    let rowExact = true;
    for (let label = 0; label < numLabels; label++) {
      const index = row * numLabels + label;
      const predicted = (options.probabilities[index] as number) >= threshold;
      const actual = (options.targets[index] as number) >= 0.5;
      if (predicted) predictedPositives[label] = (predictedPositives[label] as number) + 1;
      if (actual) actualPositives[label] = (actualPositives[label] as number) + 1;
      if (predicted && actual) truePositives[label] = (truePositives[label] as number) + 1;
      if (predicted === actual) agreements++;
      else rowExact = false;
    }
    if (rowExact) exact++;
  }
  const perLabel = options.classNames.map((className, label): ClassMetrics => {
    const tp = truePositives[label] as number;
    const precision = ratio(tp, predictedPositives[label] as number);
    const recall = ratio(tp, actualPositives[label] as number);
    return {
      className,
      precision,
      recall,
      f1: f1Of(precision, recall),
      support: actualPositives[label] as number,
    };
  });
  const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
  const microPrecision = ratio(sum(truePositives), sum(predictedPositives));
  const microRecall = ratio(sum(truePositives), sum(actualPositives));
  return {
    threshold,
    exactMatch: count > 0 ? exact / count : Number.NaN,
    hammingAccuracy: count > 0 ? agreements / (count * numLabels) : Number.NaN,
    microPrecision,
    microRecall,
    microF1: f1Of(microPrecision, microRecall),
    macroF1: numLabels > 0 ? sum(perLabel.map((entry) => entry.f1)) / numLabels : 0,
    perLabel,
    labelsPerImage: {
      true: count > 0 ? sum(actualPositives) / count : 0,
      predicted: count > 0 ? sum(predictedPositives) / count : 0,
    },
  };
}

function ratio(numerator: number, denominator: number): number {
  return denominator > 0 ? numerator / denominator : 0;
}

function f1Of(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}
