import { join } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import { writeFileAtomic } from '@graft/core/node';
import { exportClassifierToOnnx, onnxSupport, quantizeOnnxWeights } from '@graft/onnx';
import type { Classifier } from '@graft/trainer';
import type { CommandOutput } from '../output.js';
import {
  formatOnnxQuantizationReport,
  measureOnnxQuantization,
  type OnnxQuantizationReport,
  type onnxQuantizations,
} from './export-onnx-quantized.js';

/** What `graft export --format onnx` wrote, for the summary. */
export interface OnnxExportSummary {
  /** The output directory. */
  directory: string;
  /** `model.onnx`'s size. */
  modelBytes: number;
  /** Input shape (`[null, H, W, 3]`, normalised NHWC pixels). */
  inputShape: (number | null)[];
  /** With `quantize`: sizes, and accuracy and speed on `evalData` when given. */
  quantization?: OnnxQuantizationReport;
}

/**
 * Writes `<directory>/model.onnx` and `metadata.json` (the classifier's metadata plus
 * `graft.onnx`), each atomically, the model first so a `metadata.json` always has its model.
 * A layer the converter cannot express fails before anything is written, naming the layer.
 */
export async function writeOnnxExport(options: {
  /** The loaded classifier (not disposed here). */
  classifier: Classifier;
  /** Output directory (created). */
  directory: string;
  /** `int8`: store Conv/Gemm weights as int8 (see quantizeOnnxWeights). Default float32. */
  quantize?: (typeof onnxQuantizations)[number];
  /** With `quantize`: image folder to compare the two models on. */
  evalData?: string;
}): Promise<OnnxExportSummary> {
  const { classifier, directory, quantize } = options;
  const support = onnxSupport(classifier.model);
  if (!support.supported) {
    throw new InvalidArgumentError({
      argument: '--format',
      value: 'onnx',
      expected: `needs a classifier the ONNX converter supports; this one is not: ${support.reason} (--format tfjs exports any classifier)`,
    });
  }
  const files = exportClassifierToOnnx({
    model: classifier.model,
    metadata: classifier.metadata,
  });
  let model = files.model;
  let quantization: OnnxQuantizationReport | undefined;
  if (quantize !== undefined) {
    const quantized = quantizeOnnxWeights({ model: files.model });
    model = quantized.model;
    quantization = await measureOnnxQuantization({
      float32: files.model,
      quantized: quantized.model,
      quantizedTensors: quantized.quantizedTensors,
      labels: classifier.labels,
      preprocessing: classifier.metadata.graft.preprocessing,
      ...(options.evalData === undefined ? {} : { evalData: options.evalData }),
    });
    const onnx = files.metadata.graft.onnx as Record<string, unknown>;
    files.metadata.graft.onnx = { ...onnx, weights: quantize };
  }
  await writeFileAtomic(join(directory, 'model.onnx'), model);
  await writeFileAtomic(
    join(directory, 'metadata.json'),
    `${JSON.stringify(files.metadata, null, 2)}\n`,
  );
  const [height, width] = classifier.metadata.graft.preprocessing.inputSize;
  return {
    directory,
    modelBytes: model.byteLength,
    inputShape: [null, height, width, 3],
    ...(quantization === undefined ? {} : { quantization }),
  };
}

/** `--format onnx`: writes the ONNX export and prints what a downstream app needs to know. */
export async function reportOnnxExport(options: {
  /** The loaded classifier; disposed here. */
  classifier: Classifier;
  /** Output directory (created). */
  directory: string;
  /** The run's name, for the summary. */
  name: string;
  /** Where the summary goes (text or --json). */
  output: CommandOutput;
  /** `int8` to quantize the weights. */
  quantize?: (typeof onnxQuantizations)[number];
  /** With `quantize`: image folder to measure the change on. */
  evalData?: string;
}): Promise<void> {
  const { classifier, directory, name, output, quantize, evalData } = options;
  let summary: Awaited<ReturnType<typeof writeOnnxExport>>;
  try {
    summary = await writeOnnxExport({
      classifier,
      directory,
      ...(quantize === undefined ? {} : { quantize }),
      ...(evalData === undefined ? {} : { evalData }),
    });
  } finally {
    classifier.dispose();
  }
  const preprocessing = classifier.metadata.graft.preprocessing;
  if (output.json) {
    output.result(
      JSON.stringify(
        { format: 'onnx', ...summary, labels: classifier.labels, preprocessing },
        null,
        2,
      ),
    );
    return;
  }
  output.result(
    [
      `exported ${name} to ${directory}`,
      `  model.onnx (${(summary.modelBytes / 2 ** 20).toFixed(1)} MiB): input ${JSON.stringify(summary.inputShape)} float32 NHWC → [null, ${classifier.labels.length}] probabilities`,
      `  metadata.json (and the model's metadata_props): labels ${classifier.labels.join(', ')}; input is preprocessed pixels (see graft.preprocessing, docs/preprocessing.md)`,
      ...(summary.quantization === undefined
        ? []
        : formatOnnxQuantizationReport(summary.quantization)),
    ].join('\n'),
  );
}
