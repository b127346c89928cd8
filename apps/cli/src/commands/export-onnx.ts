import { join } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import { writeFileAtomic } from '@graft/core/node';
import { exportClassifierToOnnx, onnxSupport, quantizeOnnxWeights } from '@graft/onnx';
import { type CalibrationMethod, quantizeOnnxCalibrated } from '@graft/onnx/node';
import type { Classifier } from '@graft/trainer';
import type { CommandOutput } from '../output.js';
import { defaultCalibrationImages, openCalibrationImages } from './calibration-images.js';
import {
  formatOnnxQuantizationReport,
  measureOnnxQuantization,
  type OnnxQuantization,
  type OnnxQuantizationReport,
} from './export-onnx-quantized.js';

/** Where `--quantize int8` finds its calibration images (`--calibration-*` flags). */
export interface OnnxCalibrationOptions {
  /** The run directory, whose split-manifest.json lists the training images. */
  runRoot?: string;
  /** `--calibration-data`: an image folder instead of the run's training images. */
  calibrationData?: string;
  /** `--calibration-images`. Default {@link defaultCalibrationImages}. */
  count?: number;
  /** `--calibration-seed`: which images are drawn. Default 0. */
  seed?: number;
  /** `--calibration-method`. Default `minmax`. */
  method?: CalibrationMethod;
}

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
  /**
   * `int8`: calibrated static quantization (see quantizeOnnxCalibrated); `int8-weights`: Conv/Gemm
   * weights as int8 only (see quantizeOnnxWeights). Default float32.
   */
  quantize?: OnnxQuantization;
  /** With `quantize`: image folder to compare the two models on. */
  evalData?: string;
  /** With `quantize: 'int8'`: the calibration images. */
  calibration?: OnnxCalibrationOptions;
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
  if (quantize === 'int8') {
    const calibration = options.calibration ?? {};
    const seed = calibration.seed ?? 0;
    const sample = await openCalibrationImages({
      ...(calibration.runRoot === undefined ? {} : { runRoot: calibration.runRoot }),
      ...(calibration.calibrationData === undefined
        ? {}
        : { calibrationData: calibration.calibrationData }),
      count: calibration.count ?? defaultCalibrationImages,
      seed,
      preprocessing: classifier.metadata.graft.preprocessing,
    });
    const method = calibration.method ?? 'minmax';
    const quantized = await quantizeOnnxCalibrated({
      model: files.model,
      batches: sample.batches,
      method,
    });
    model = quantized.model;
    quantization = await measureOnnxQuantization({
      float32: files.model,
      quantized: quantized.model,
      quantization: quantize,
      quantizedTensors: quantized.quantizedWeights,
      quantizedActivations: quantized.quantizedActivations,
      calibration: {
        source: sample.source,
        images: quantized.calibrationImages,
        available: sample.available,
        seed,
        method,
      },
      labels: classifier.labels,
      preprocessing: classifier.metadata.graft.preprocessing,
      ...(options.evalData === undefined ? {} : { evalData: options.evalData }),
    });
    const onnx = files.metadata.graft.onnx as Record<string, unknown>;
    files.metadata.graft.onnx = { ...onnx, weights: 'int8', activations: 'uint8' };
  } else if (quantize === 'int8-weights') {
    const quantized = quantizeOnnxWeights({ model: files.model });
    model = quantized.model;
    quantization = await measureOnnxQuantization({
      float32: files.model,
      quantized: quantized.model,
      quantization: quantize,
      quantizedTensors: quantized.quantizedTensors,
      labels: classifier.labels,
      preprocessing: classifier.metadata.graft.preprocessing,
      ...(options.evalData === undefined ? {} : { evalData: options.evalData }),
    });
    const onnx = files.metadata.graft.onnx as Record<string, unknown>;
    files.metadata.graft.onnx = { ...onnx, weights: 'int8' };
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
  /** `int8` (calibrated) or `int8-weights`. */
  quantize?: OnnxQuantization;
  /** With `quantize`: image folder to measure the change on. */
  evalData?: string;
  /** With `quantize: 'int8'`: the calibration images. */
  calibration?: OnnxCalibrationOptions;
}): Promise<void> {
  const { classifier, directory, name, output, quantize, evalData, calibration } = options;
  let summary: Awaited<ReturnType<typeof writeOnnxExport>>;
  try {
    summary = await writeOnnxExport({
      classifier,
      directory,
      ...(quantize === undefined ? {} : { quantize }),
      ...(evalData === undefined ? {} : { evalData }),
      ...(calibration === undefined ? {} : { calibration }),
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
