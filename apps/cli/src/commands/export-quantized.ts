import type { Classifier, WeightQuantization } from '@graft/trainer';
import { loadClassifier } from '@graft/trainer/node';
import { classifyDataset } from '../pipeline/classify-dataset.js';
import { openEvaluationImages } from './open-evaluation-images.js';

/** What quantizing an export changed: sizes, and accuracy on `--eval-data` when given. */
export interface QuantizationReport {
  /** `float16` or `uint8`. */
  quantization: WeightQuantization;
  /** weights.bin bytes of the float32 model. */
  float32Bytes: number;
  /** weights.bin bytes written. */
  quantizedBytes: number;
  /** On the evaluation images, when given. */
  evaluation?: {
    /** Folder (its `test` or `val` split, or its class folders). */
    data: string;
    /** Images classified. */
    images: number;
    /** Top-1 accuracy of the float32 model. */
    float32Accuracy: number;
    /** Top-1 accuracy of the quantized model, as written and read back. */
    quantizedAccuracy: number;
    /** Fraction of images whose top-1 label is the same. */
    agreement: number;
    /** Largest change of any probability. */
    maxProbabilityChange: number;
  };
}

/**
 * Reads the quantized export back (as any consumer would: tfjs dequantizes while loading) and
 * compares it with the float32 classifier on `evalData`'s images when given.
 */
export async function measureQuantizedExport(options: {
  /** The float32 classifier (not disposed). */
  classifier: Classifier;
  /** The directory just written with quantized weights. */
  directory: string;
  /** Quantization used. */
  quantization: WeightQuantization;
  /** weights.bin bytes of the float32 model. */
  float32Bytes: number;
  /** weights.bin bytes written. */
  quantizedBytes: number;
  /** Image folder to measure accuracy on, or undefined. */
  evalData?: string;
}): Promise<QuantizationReport> {
  const { classifier, quantization, float32Bytes, quantizedBytes, evalData } = options;
  const quantized = await loadClassifier(options.directory);
  try {
    const report: QuantizationReport = { quantization, float32Bytes, quantizedBytes };
    if (evalData === undefined) return report;
    const data = await openEvaluationImages({
      evalData,
      labels: classifier.labels,
      preprocessing: classifier.metadata.graft.preprocessing,
    });
    const reference = await classifyDataset(classifier, data);
    const candidate = await classifyDataset(quantized, data);
    const classes = classifier.labels.length;
    const images = reference.targets.length;
    let referenceCorrect = 0;
    let candidateCorrect = 0;
    let agree = 0;
    let maxProbabilityChange = 0;
    for (let image = 0; image < images; image++) {
      const row = (values: Float32Array) => values.subarray(image * classes, (image + 1) * classes);
      const referenceRow = row(reference.probabilities);
      const candidateRow = row(candidate.probabilities);
      const referenceTop = argMax(referenceRow);
      const candidateTop = argMax(candidateRow);
      if (referenceTop === reference.targets[image]) referenceCorrect++;
      if (candidateTop === reference.targets[image]) candidateCorrect++;
      if (referenceTop === candidateTop) agree++;
      referenceRow.forEach((value, index) => {
        maxProbabilityChange = Math.max(
          maxProbabilityChange,
          Math.abs(value - (candidateRow[index] as number)),
        );
      });
    }
    report.evaluation = {
      data: evalData,
      images,
      float32Accuracy: referenceCorrect / images,
      quantizedAccuracy: candidateCorrect / images,
      agreement: agree / images,
      maxProbabilityChange,
    };
    return report;
  } finally {
    quantized.dispose();
  }
}

/** The lines `graft export --quantize` prints. */
export function formatQuantizationReport(report: QuantizationReport): string[] {
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
  const lines = [
    `  weights quantized to ${report.quantization}: ${mib(report.quantizedBytes)} (float32 ${mib(report.float32Bytes)}, ${((100 * report.quantizedBytes) / report.float32Bytes).toFixed(0)}%); tfjs's loader dequantizes them (tf.loadLayersModel, Teachable Machine, graft predict/serve)`,
  ];
  const evaluation = report.evaluation;
  if (evaluation === undefined) {
    lines.push('  accuracy change: not measured (pass --eval-data <image folder>)');
  } else {
    const percent = (value: number) => `${(100 * value).toFixed(2)}%`;
    lines.push(
      `  accuracy on ${evaluation.images} images of ${evaluation.data}: float32 ${percent(evaluation.float32Accuracy)} → ${report.quantization} ${percent(evaluation.quantizedAccuracy)} (${evaluation.quantizedAccuracy >= evaluation.float32Accuracy ? '+' : ''}${(100 * (evaluation.quantizedAccuracy - evaluation.float32Accuracy)).toFixed(2)} points); same top-1 label on ${percent(evaluation.agreement)}; largest probability change ${evaluation.maxProbabilityChange.toFixed(4)}`,
    );
  }
  return lines;
}

/** weights.bin bytes of the model in float32 (4 bytes per value; int32 alike). */
export function float32WeightBytes(classifier: Classifier): number {
  return classifier.model.weights.reduce(
    (sum, weight) =>
      sum + 4 * (weight.shape as number[]).reduce((product, size) => product * size, 1),
    0,
  );
}

function argMax(values: Float32Array): number {
  let best = 0;
  for (let index = 1; index < values.length; index++) {
    if ((values[index] as number) > (values[best] as number)) best = index;
  }
  return best;
}
