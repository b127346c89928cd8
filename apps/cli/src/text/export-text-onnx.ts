import type { Classifier } from '@graft/trainer';
import { writeOnnxExport } from '../commands/export-onnx.js';
import type { CommandOutput } from '../output.js';
import type { TextEncoderReference } from './text-encoder-metadata.js';

/**
 * Why the text encoder is not in `model.onnx`, for the summary and the docs. USE lite is a
 * TensorFlow graph model (317 nodes, sparse token-id input) that `@graft/onnx`, which converts
 * tfjs layers models layer by layer, cannot read, and its SentencePiece tokenizer has no standard
 * ONNX operator (only onnxruntime-extensions' custom op), so the export is the classifier from the
 * embedding on, with the encoder named in its metadata.
 */
export const textEncoderNotInOnnx =
  'the text encoder is not in model.onnx: it is a TensorFlow graph model with a SentencePiece tokenizer in front, which the ONNX converter (tfjs layers models) cannot express and standard ONNX has no tokenizer operator for';

/** Options of {@link reportTextOnnxExport}. */
export interface ReportTextOnnxExportOptions {
  /** The loaded text classifier; disposed here. */
  classifier: Classifier;
  /** Its `userMetadata.textEncoder`. */
  reference: TextEncoderReference;
  /** Output directory (created). */
  directory: string;
  /** The run's name, for the summary. */
  name: string;
  /** Where the summary goes (text or --json). */
  output: CommandOutput;
}

/**
 * `graft export --format onnx` of a text classifier: `model.onnx` maps the encoder's embedding
 * (laid out as `textEncoder.layout` says) to probabilities; `metadata.json` and the model's
 * metadata_props carry `userMetadata.textEncoder` (name, weights, source, tokenizer), so a
 * downstream app embeds texts with that encoder and feeds the result.
 */
export async function reportTextOnnxExport(options: ReportTextOnnxExportOptions): Promise<void> {
  const { classifier, reference, directory, name, output } = options;
  let summary: Awaited<ReturnType<typeof writeOnnxExport>>;
  try {
    summary = await writeOnnxExport({ classifier, directory });
  } finally {
    classifier.dispose();
  }
  const input = {
    shape: summary.inputShape,
    content: `the ${reference.name} embedding (${reference.featureDim} floats) of each text`,
    layout: reference.layout,
  };
  if (output.json) {
    output.result(
      JSON.stringify(
        {
          format: 'onnx',
          modality: 'text',
          ...summary,
          input,
          labels: classifier.labels,
          textEncoder: reference,
          encoderNotIncluded: textEncoderNotInOnnx,
        },
        null,
        2,
      ),
    );
    return;
  }
  output.result(
    [
      `exported ${name} to ${directory}`,
      `  model.onnx (${(summary.modelBytes / 2 ** 10).toFixed(1)} KiB): input ${JSON.stringify(summary.inputShape)} float32 = ${input.content}, ${reference.layout} → [null, ${classifier.labels.length}] probabilities`,
      `  metadata.json (and the model's metadata_props): labels ${classifier.labels.join(', ')}; userMetadata.textEncoder names the encoder (${reference.name}, ${reference.source}) and its tokenizer`,
      `  note: ${textEncoderNotInOnnx}; embed texts with ${reference.name} first (graft predict does both)`,
    ].join('\n'),
  );
}
