import { InvalidArgumentError, type JsonObject, type Preprocessing } from '@graft/core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { convertToOnnx } from './convert-to-onnx.js';

/**
 * The part of a classifier's `metadata.json` (`@graft/trainer`'s `ClassifierMetadata`) the ONNX
 * export reads; the rest is carried along unchanged.
 */
export interface OnnxClassifierMetadata extends JsonObject {
  /** Class names; output column `i` is `labels[i]`. */
  labels: string[];
  /** Graft's fields; `preprocessing` says how pixels become the model's input. */
  graft: JsonObject & { preprocessing: Preprocessing & JsonObject };
}

/** Options of {@link exportClassifierToOnnx}. */
export interface ExportClassifierToOnnxOptions {
  /**
   * The classifier's model (backbone and head as one LayersModel, e.g. `Classifier.model`):
   * normalised NHWC float32 pixels at `preprocessing.inputSize` → probabilities.
   */
  model: tfl.LayersModel;
  /** The classifier's metadata (`Classifier.metadata`): labels and preprocessing at least. */
  metadata: OnnxClassifierMetadata;
}

/** What {@link exportClassifierToOnnx} returns: the two files of an ONNX classifier directory. */
export interface OnnxClassifierFiles {
  /** `model.onnx`: a serialised ONNX ModelProto, labels and preprocessing in `metadata_props`. */
  model: Uint8Array;
  /** `metadata.json`: the classifier's metadata plus `graft.onnx` (file, input layout and shape). */
  metadata: OnnxClassifierMetadata;
}

/**
 * Keys of the ONNX model's `metadata_props` (string → string; JSON for structured values), so
 * the `.onnx` file alone says how to feed it: `labels` (JSON list, output column order),
 * `preprocessing` (JSON, docs/preprocessing.md), `input_layout` (`NHWC`) and `graft_metadata`
 * (the whole `metadata.json`).
 */
export const onnxMetadataKeys = {
  labels: 'labels',
  preprocessing: 'preprocessing',
  inputLayout: 'input_layout',
  metadata: 'graft_metadata',
} as const;

/**
 * A trained classifier as an ONNX model plus the `metadata.json` to write beside it. The model's
 * input is what the tfjs model takes (normalised pixels, `[N, H, W, 3]`, dynamic batch): resize
 * and normalise by `metadata.graft.preprocessing` first, as `Classifier.predict` does. Writing
 * the files is the caller's (the CLI writes them atomically); nothing here touches the disk or
 * creates tensors.
 */
export function exportClassifierToOnnx(
  options: ExportClassifierToOnnxOptions,
): OnnxClassifierFiles {
  const { model } = options;
  const metadata = options.metadata as Partial<OnnxClassifierMetadata>;
  const preprocessing = metadata.graft?.preprocessing;
  if (!Array.isArray(metadata.labels) || preprocessing === undefined) {
    throw new InvalidArgumentError({
      argument: 'metadata',
      value: metadata,
      expected:
        "must be a classifier's metadata with `labels` and `graft.preprocessing` (Classifier.metadata)",
    });
  }
  const [height, width] = preprocessing.inputSize;
  const full = {
    ...metadata,
    graft: {
      ...metadata.graft,
      onnx: { file: 'model.onnx', inputLayout: 'NHWC', inputShape: [null, height, width, 3] },
    },
  } as OnnxClassifierMetadata;
  const bytes = convertToOnnx({
    model,
    docString: `Graft classifier (${metadata.labels.join(', ')}): [N, ${height}, ${width}, 3] float32 pixels preprocessed as metadata_props.preprocessing says (docs/preprocessing.md) → [N, ${metadata.labels.length}] probabilities, column i = labels[i].`,
    metadata: {
      [onnxMetadataKeys.labels]: JSON.stringify(metadata.labels),
      [onnxMetadataKeys.preprocessing]: JSON.stringify(preprocessing),
      [onnxMetadataKeys.inputLayout]: 'NHWC',
      [onnxMetadataKeys.metadata]: JSON.stringify(full),
    },
  });
  return { model: bytes, metadata: full };
}
