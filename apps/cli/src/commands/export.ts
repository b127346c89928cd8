import { join, resolve } from 'node:path';
import type { JsonObject } from '@graft/core';
import {
  Classifier,
  type ClassifierMetadata,
  teachableMachineCompatibility,
  weightQuantizations,
} from '@graft/trainer';
import { writeClassifierDirectory } from '@graft/trainer/node';
import type { Command } from 'commander';
import { parseChoice } from '../config/parse-values.js';
import type { CommandOutput } from '../output.js';
import { loadRunClassifier } from '../pipeline/load-run-classifier.js';
import { openClassifierSource } from '../run/open-classifier-source.js';
import { reportTextOnnxExport } from '../text/export-text-onnx.js';
import { readTextEncoderReference } from '../text/text-encoder-metadata.js';
import { calibrationFlags } from './calibration-flags.js';
import { defaultCalibrationImages } from './calibration-images.js';
import { reportOnnxExport } from './export-onnx.js';
import { onnxQuantizations } from './export-onnx-quantized.js';
import {
  float32WeightBytes,
  formatQuantizationReport,
  measureQuantizedExport,
  type QuantizationReport,
} from './export-quantized.js';

interface ExportFlags {
  out?: string;
  format?: string;
  quantize?: string;
  evalData?: string;
  calibrationImages?: string;
  calibrationData?: string;
  calibrationSeed?: string;
  calibrationMethod?: string;
}

/** `--format` values: tfjs (the default, Teachable Machine's layout) or onnx. */
const exportFormats = ['tfjs', 'onnx'] as const;

/**
 * `graft export <run>`: a self-contained tfjs model directory: `model.json` + `weights.bin`
 * (backbone and head as one LayersModel) and `metadata.json` (TM's `labels`, `imageSize`, …, and
 * Graft's preprocessing). The classifier is loaded and written again, so a broken one is never
 * shipped and any classifier directory (a Teachable Machine export too, whose TM fields are kept
 * and whose preprocessing is recorded) comes out in the same layout. `--format onnx` writes
 * `model.onnx` + `metadata.json` instead (see export-onnx.ts).
 */
export function registerExportCommand(program: Command, output: CommandOutput): void {
  program
    .command('export')
    .description(
      'write a tfjs model directory (Teachable Machine layout: model.json, weights.bin, metadata.json), or with --format onnx model.onnx + metadata.json',
    )
    .argument(
      '<run>',
      'run directory written by graft train, or a classifier directory (model.json, weights.bin, metadata.json: graft export, Teachable Machine)',
    )
    .option('--out <dir>', 'output directory (default <run>/export, <run>/export-onnx for onnx)')
    .option(
      '--format <format>',
      'tfjs (model.json + weights.bin) or onnx (model.onnx); both with metadata.json',
      'tfjs',
    )
    .option(
      '--quantize <dtype>',
      `store the weights as ${weightQuantizations.join(' or ')} (tfjs format: weights-manifest quantization); onnx format: ${onnxQuantizations.join(' or ')} (int8: weights and activations, calibrated on training images, runs on integer kernels; int8-weights: weights only)`,
    )
    .option('--eval-data <dir>', 'with --quantize: image folder to measure the accuracy change on')
    .option(
      '--calibration-images <n>',
      `with --format onnx --quantize int8: training images to calibrate activation ranges on (default ${defaultCalibrationImages})`,
    )
    .option(
      '--calibration-data <dir>',
      "with --quantize int8: image folder to calibrate on (default: the run's training images, from its split-manifest.json)",
    )
    .option(
      '--calibration-seed <n>',
      'with --quantize int8: seed of the calibration sample (default 0)',
    )
    .option(
      '--calibration-method <method>',
      'with --quantize int8: minmax (whole observed ranges, default) or percentile (ranges clipped to the 99.999th percentile of |value|)',
    )
    .action(async (runPath: string, options: ExportFlags) => {
      const format = parseChoice('--format', options.format, exportFormats);
      // Each format has its own quantizations: tfjs's weights manifest, ONNX's DequantizeLinear.
      const onnxQuantize =
        format === 'onnx' && options.quantize !== undefined
          ? parseChoice('--quantize', options.quantize, onnxQuantizations)
          : undefined;
      const quantize =
        format === 'tfjs' && options.quantize !== undefined
          ? parseChoice('--quantize', options.quantize, weightQuantizations)
          : undefined;
      const source = await openClassifierSource(runPath);
      const directory = resolve(
        options.out ?? join(source.root, format === 'onnx' ? 'export-onnx' : 'export'),
      );
      const classifier = await loadRunClassifier(source);
      const textEncoder = await readTextEncoderReference(source.modelDir);
      if (format === 'onnx' && textEncoder !== undefined) {
        const text = { classifier, reference: textEncoder, directory, name: source.name };
        await reportTextOnnxExport({ ...text, output });
        return;
      }
      if (format === 'onnx') {
        await reportOnnxExport({
          classifier,
          directory,
          name: source.name,
          output,
          ...(onnxQuantize === undefined ? {} : { quantize: onnxQuantize }),
          ...(options.evalData === undefined ? {} : { evalData: resolve(options.evalData) }),
          calibration: calibrationFlags(options, source.run?.root, onnxQuantize),
        });
        return;
      }
      const inputShape = classifier.model.inputs[0]?.shape;
      const outputShape = classifier.model.outputs[0]?.shape;
      // Teachable Machine's loader applies its own preprocessing whatever the metadata says: the
      // export records (and prints) where that differs from the model's own.
      const teachableMachine = teachableMachineCompatibility(
        classifier.metadata.graft.preprocessing,
      );
      let bytes = 0;
      let quantization: QuantizationReport | undefined;
      try {
        const report = { ...teachableMachine } as unknown as JsonObject;
        const metadata = {
          ...classifier.metadata,
          graft: { ...classifier.metadata.graft, teachableMachine: report },
        } as ClassifierMetadata;
        ({ bytes } = await writeClassifierDirectory({
          classifier: new Classifier({ model: classifier.model, metadata }),
          directory,
          ...(quantize === undefined ? {} : { quantize }),
        }));
        if (quantize !== undefined) {
          quantization = await measureQuantizedExport({
            classifier,
            directory,
            quantization: quantize,
            float32Bytes: float32WeightBytes(classifier),
            quantizedBytes: bytes,
            ...(options.evalData === undefined ? {} : { evalData: resolve(options.evalData) }),
          });
        }
      } finally {
        classifier.dispose();
      }
      const summary = {
        directory,
        labels: classifier.labels,
        inputShape,
        outputShape,
        weightBytes: bytes,
        preprocessing: classifier.metadata.graft.preprocessing,
        teachableMachine,
        ...(quantization === undefined ? {} : { quantization }),
      };
      if (output.json) {
        output.result(JSON.stringify(summary, null, 2));
        return;
      }
      output.result(
        [
          `exported ${source.name} to ${directory}`,
          `  model.json + weights.bin (${(bytes / 2 ** 20).toFixed(1)} MiB): input ${JSON.stringify(inputShape)} → ${JSON.stringify(outputShape)} probabilities`,
          `  metadata.json: labels ${classifier.labels.join(', ')}; input is preprocessed pixels (see graft.preprocessing, docs/preprocessing.md)`,
          ...(quantization === undefined ? [] : formatQuantizationReport(quantization)),
          teachableMachine.reproducible
            ? "  Teachable Machine's loader (@teachablemachine/image) feeds this model exactly its own preprocessing"
            : [
                "  warning: Teachable Machine's loader (@teachablemachine/image) will not feed this model what it was trained on:",
                ...teachableMachine.differences.map((difference) => `    - ${difference}`),
                '    (graft predict, loadClassifier and clients following graft.preprocessing are exact; recorded as graft.teachableMachine)',
              ].join('\n'),
        ].join('\n'),
      );
    });
}
