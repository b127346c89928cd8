import type { ClassMetrics } from './class-metrics.js';
import {
  computeMultiLabelMetrics,
  defaultMultiLabelThreshold,
  type MultiLabelMetrics,
} from './multi-label-metrics.js';

// Declared on its own so the multi-label metrics can use it without importing this module.
export type { ClassMetrics } from './class-metrics.js';

/** An example the model got wrong. */
export interface Misclassified {
  /** Row in evaluation order. */
  index: number;
  /** Where the image came from, when known. */
  source?: string;
  /** True class index. */
  label: number;
  /** Predicted class index. */
  predicted: number;
  /** Probability of the predicted class. */
  confidence: number;
}

/** An evaluation report; plain JSON. */
export interface EvaluationReport {
  /** Number of examples. */
  count: number;
  /** Mean cross-entropy (categorical for softmax heads, binary for sigmoid heads). */
  loss: number;
  /** Top-1 accuracy; for a sigmoid (multi-label) head, exact-match (subset) accuracy. */
  accuracy: number;
  /** Top-k accuracy by k, e.g. `{ "5": 0.97 }`. */
  topKAccuracy: Record<string, number>;
  /** Mean F1 over classes. */
  macroF1: number;
  /**
   * Mean recall over the classes that have examples (scikit-learn's `balanced_accuracy_score`):
   * accuracy as if every class were equally frequent, so a majority-class guesser scores 1/C.
   */
  balancedAccuracy: number;
  /** Per-class precision/recall/F1, in class order. */
  perClass: ClassMetrics[];
  /** `confusionMatrix[true][predicted]` counts. */
  confusionMatrix: number[][];
  /** Class names, in order. */
  classNames: string[];
  /** Misclassified examples, most confident first. */
  misclassified: Misclassified[];
  /**
   * Sigmoid (multi-label) heads: exact-match and Hamming accuracy, micro/macro F1 and per-label
   * metrics at the threshold. `perClass` and `macroF1` then hold the per-label values, and the
   * single-label parts (confusion matrix, top-k, misclassified) are empty.
   */
  multiLabel?: MultiLabelMetrics;
}

const epsilon = 1e-7;

/** Options of {@link computeMetrics}. */
export interface ComputeMetricsOptions {
  /** `count × numClasses` predicted probabilities, row-major. */
  probabilities: Float32Array;
  /** `count × numClasses` targets (one-hot or soft). */
  targets: Float32Array;
  /** Class names (length = number of classes). */
  classNames: readonly string[];
  /** The head's activation, which picks the loss. Default `softmax`. */
  activation?: 'softmax' | 'sigmoid';
  /** Values of k for top-k accuracy. Default `[]` (top-5 is added when there are > 5 classes). */
  topK?: readonly number[];
  /** Source of each row, for the misclassified list. */
  sources?: ReadonlyArray<string | undefined>;
  /** At most this many misclassified examples are listed. Default 100. */
  maxMisclassified?: number;
  /** Sigmoid heads: a label is predicted when its probability is >= this. Default 0.5. */
  threshold?: number;
}

/** Loss, accuracy, top-k, per-class metrics and the confusion matrix from predictions. */
export function computeMetrics(options: ComputeMetricsOptions): EvaluationReport {
  const classNames = [...options.classNames];
  const numClasses = classNames.length;
  const count = Math.floor(options.probabilities.length / Math.max(numClasses, 1));
  const activation = options.activation ?? 'softmax';
  if (activation === 'sigmoid') return multiLabelReport(options);
  const topK = options.topK ?? (numClasses > 5 ? [5] : []);
  const confusion = classNames.map(() => new Array<number>(numClasses).fill(0));
  const topKHits = topK.map(() => 0);
  const misclassified: Misclassified[] = [];
  let lossSum = 0;
  let correct = 0;
  for (let row = 0; row < count; row++) {
    const offset = row * numClasses;
    const label = argMax(options.targets, offset, numClasses);
    const predicted = argMax(options.probabilities, offset, numClasses);
    for (let column = 0; column < numClasses; column++) {
      const p = clip(options.probabilities[offset + column] as number);
      const t = options.targets[offset + column] as number;
      lossSum -=
        activation === 'softmax'
          ? t * Math.log(p)
          : (t * Math.log(p) + (1 - t) * Math.log(1 - p)) / numClasses;
    }
    (confusion[label] as number[])[predicted] =
      ((confusion[label] as number[])[predicted] ?? 0) + 1;
    if (label === predicted) {
      correct++;
    } else {
      const source = options.sources?.[row];
      misclassified.push({
        index: row,
        ...(source !== undefined ? { source } : {}),
        label,
        predicted,
        confidence: options.probabilities[offset + predicted] as number,
      });
    }
    const labelProbability = options.probabilities[offset + label] as number;
    let rank = 0;
    for (let column = 0; column < numClasses; column++) {
      if ((options.probabilities[offset + column] as number) > labelProbability) rank++;
    }
    topK.forEach((k, index) => {
      if (rank < k) topKHits[index] = (topKHits[index] ?? 0) + 1;
    });
  }
  const perClass = classNames.map((className, index): ClassMetrics => {
    const truePositives = confusion[index]?.[index] ?? 0;
    const support = (confusion[index] ?? []).reduce((sum, value) => sum + value, 0);
    const predictedPositives = confusion.reduce((sum, row) => sum + (row[index] ?? 0), 0);
    const precision = predictedPositives > 0 ? truePositives / predictedPositives : 0;
    const recall = support > 0 ? truePositives / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { className, precision, recall, f1, support };
  });
  misclassified.sort((a, b) => b.confidence - a.confidence);
  return {
    count,
    loss: count > 0 ? lossSum / count : Number.NaN,
    accuracy: count > 0 ? correct / count : Number.NaN,
    topKAccuracy: Object.fromEntries(
      topK.map((k, index) => [String(k), count > 0 ? (topKHits[index] ?? 0) / count : Number.NaN]),
    ),
    macroF1:
      perClass.length > 0
        ? perClass.reduce((sum, entry) => sum + entry.f1, 0) / perClass.length
        : 0,
    balancedAccuracy: meanRecall(perClass),
    perClass,
    confusionMatrix: confusion,
    classNames,
    misclassified: misclassified.slice(0, options.maxMisclassified ?? 100),
  };
}

/** A sigmoid head's report: mean binary cross-entropy and the multi-label metrics. */
function multiLabelReport(options: ComputeMetricsOptions): EvaluationReport {
  const classNames = [...options.classNames];
  const numLabels = classNames.length;
  const count = Math.floor(options.probabilities.length / Math.max(numLabels, 1));
  let lossSum = 0;
  for (let index = 0; index < count * numLabels; index++) {
    const p = clip(options.probabilities[index] as number);
    const t = options.targets[index] as number;
    lossSum -= t * Math.log(p) + (1 - t) * Math.log(1 - p);
  }
  const multiLabel = computeMultiLabelMetrics({
    probabilities: options.probabilities,
    targets: options.targets,
    classNames,
    threshold: options.threshold ?? defaultMultiLabelThreshold,
  });
  return {
    count,
    loss: count > 0 ? lossSum / (count * numLabels) : Number.NaN,
    accuracy: multiLabel.exactMatch,
    topKAccuracy: {},
    // Macro-averaged recall over the labels, the multi-label reading of balanced accuracy.
    balancedAccuracy: meanRecall(multiLabel.perLabel),
    macroF1: multiLabel.macroF1,
    perClass: multiLabel.perLabel,
    confusionMatrix: [],
    classNames,
    misclassified: [],
    multiLabel,
  };
}

function meanRecall(perClass: readonly ClassMetrics[]): number {
  const present = perClass.filter((entry) => entry.support > 0);
  if (present.length === 0) return Number.NaN;
  return present.reduce((sum, entry) => sum + entry.recall, 0) / present.length;
}

function clip(value: number): number {
  return Math.min(1 - epsilon, Math.max(epsilon, value));
}

function argMax(values: Float32Array, offset: number, length: number): number {
  let best = 0;
  for (let index = 1; index < length; index++) {
    if ((values[offset + index] as number) > (values[offset + best] as number)) best = index;
  }
  return best;
}
