import { FileFormatError, InvalidArgumentError, normalizeImages } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ClassifierMetadata } from './classifier-metadata.js';
import { disposeModel } from './dispose-model.js';
import {
  checkPredictOptions,
  type Prediction,
  type PredictOptions,
  rankPredictions,
} from './rank-predictions.js';
import { resizeToInput } from './resize-to-input.js';
import {
  isTeachableMachineMetadata,
  metadataFromTeachableMachine,
} from './teachable-machine-metadata.js';

/** A saved classifier, loaded: predicts labels from raw pixels with the stored preprocessing. */
export class Classifier {
  /** The model (normalised pixels → probabilities). Owned by this classifier. */
  readonly model: tfl.LayersModel;
  /** The saved metadata. */
  readonly metadata: ClassifierMetadata;

  constructor(options: {
    /** The loaded LayersModel. */
    model: tfl.LayersModel;
    /** The saved metadata. */
    metadata: ClassifierMetadata;
  }) {
    this.model = options.model;
    this.metadata = options.metadata;
  }

  /** Class names in output order. */
  get labels(): readonly string[] {
    return this.metadata.labels;
  }

  /** True for a sigmoid (multi-label) model: each output is an independent probability. */
  get multiLabel(): boolean {
    return this.metadata.graft.activation === 'sigmoid';
  }

  /** A multi-label model's decision threshold (0.5 when its metadata has none); else undefined. */
  get threshold(): number | undefined {
    return this.multiLabel ? (this.metadata.graft.threshold ?? 0.5) : undefined;
  }

  /**
   * Probabilities `[N, C]` for pixels in [0, 255] (`[N, H, W, 3]` or one `[H, W, 3]` image, any
   * size: resized by the stored policy). The caller disposes the result.
   */
  predictProbabilities(images: tf.Tensor3D | tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const batch = (images.rank === 3 ? tf.expandDims(images, 0) : images) as tf.Tensor4D;
      const preprocessing = this.metadata.graft.preprocessing;
      const resized = resizeToInput(tf.cast(batch, 'float32') as tf.Tensor4D, preprocessing);
      return this.model.predict(normalizeImages(resized, preprocessing)) as tf.Tensor2D;
    });
  }

  /** Labels with probabilities for each image, most probable first. Does not dispose `images`. */
  async predict(
    images: tf.Tensor3D | tf.Tensor4D,
    options: PredictOptions = {},
  ): Promise<Prediction[][]> {
    // Checked before the model runs: a bad option fails fast.
    checkPredictOptions(options, this.labels.length);
    const probabilities = this.predictProbabilities(images);
    const values = (await probabilities.data()) as Float32Array;
    probabilities.dispose();
    return rankPredictions(values, this.labels, options);
  }

  /** Releases the model's weights (nested models' included). */
  dispose(): void {
    disposeModel(this.model);
  }
}

/**
 * Loads a classifier saved by `saveClassifier` (`@graft/trainer/node`), or any directory with
 * the same layout, including a genuine Teachable Machine image-model export (its
 * `metadata.json` is read by {@link readClassifierMetadata}): from a base URL (browser;
 * `model.json` and `metadata.json` are fetched from it), or from an IOHandler plus the parsed
 * metadata. The model is disposed again when it does not match the metadata.
 */
export async function loadClassifier(
  source:
    | string
    | {
        /** Reads `model.json` and the weights. */
        model: tf.io.IOHandler;
        /** The parsed `metadata.json` (Graft's or Teachable Machine's). */
        metadata: unknown;
        /** Where the metadata came from, named in errors. Default `metadata.json`. */
        metadataFile?: string;
      },
): Promise<Classifier> {
  if (typeof source === 'string') {
    const base = source.endsWith('/') ? source : `${source}/`;
    const response = await fetch(`${base}metadata.json`);
    if (!response.ok) {
      throw new InvalidArgumentError({
        argument: 'source',
        value: source,
        expected: `must be a URL with metadata.json next to model.json (HTTP ${response.status})`,
      });
    }
    const metadataFile = `${base}metadata.json`;
    const metadata = readClassifierMetadata(await response.json(), metadataFile);
    const model = await tfl.loadLayersModel(`${base}model.json`);
    return classifierFromModel({ model, metadata, metadataFile });
  }
  const metadataFile = source.metadataFile ?? 'metadata.json';
  const metadata = readClassifierMetadata(source.metadata, metadataFile);
  const model = await tfl.loadLayersModel(source.model);
  return classifierFromModel({ model, metadata, metadataFile });
}

/**
 * A classifier of a loaded model and its checked metadata; when the model's output does not fit
 * the labels, the model is disposed and a `FileFormatError` names the metadata file.
 */
export function classifierFromModel(options: {
  /** The loaded model; owned by the returned classifier, disposed on error. */
  model: tfl.LayersModel;
  /** Metadata from {@link readClassifierMetadata}. */
  metadata: ClassifierMetadata;
  /** Where the metadata came from, named in errors. */
  metadataFile: string;
}): Classifier {
  const { model, metadata, metadataFile } = options;
  const outputs = model.outputs[0]?.shape;
  const classes = outputs?.[outputs.length - 1];
  if (
    model.outputs.length !== 1 ||
    (typeof classes === 'number' && classes !== metadata.labels.length)
  ) {
    disposeModel(model);
    throw new FileFormatError({
      file: metadataFile,
      problem: `lists ${metadata.labels.length} labels but the model beside it outputs ${JSON.stringify(model.outputs.map((output) => output.shape))}; they must belong to the same model`,
    });
  }
  return new Classifier({ model, metadata });
}

/**
 * The metadata `predict` needs, from a parsed `metadata.json`: Graft's own (`labels` and
 * `graft.preprocessing`) as it is, or a Teachable Machine image model's (`tmVersion` or
 * `packageName: '@teachablemachine/image'`, `labels`, `imageSize`) turned into Graft's with the
 * preprocessing TM applies (see `metadataFromTeachableMachine`). Anything else throws a
 * `FileFormatError` naming `file` and what is missing.
 */
export function readClassifierMetadata(metadata: unknown, file: string): ClassifierMetadata {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new FileFormatError({
      file,
      problem: `must hold a JSON object (Graft or Teachable Machine metadata); found ${Array.isArray(metadata) ? 'an array' : JSON.stringify(metadata)}`,
    });
  }
  const record = metadata as Record<string, unknown>;
  const labels = record.labels;
  if (
    !(
      Array.isArray(labels) &&
      labels.length > 0 &&
      labels.every((label) => typeof label === 'string')
    )
  ) {
    throw new FileFormatError({
      file,
      problem: `has no \`labels\` (a non-empty list of class names; found ${JSON.stringify(labels)}), so it is neither Graft nor Teachable Machine classifier metadata`,
    });
  }
  if (isTeachableMachineMetadata(record)) return metadataFromTeachableMachine(record, file);
  const graft = record.graft as { preprocessing?: unknown } | undefined;
  if (graft?.preprocessing === undefined) {
    throw new FileFormatError({
      file,
      problem:
        'has `labels` but no `graft.preprocessing` (Graft metadata) and neither `tmVersion` nor `packageName: "@teachablemachine/image"` (Teachable Machine metadata), so how pixels become the model\'s input is unknown',
    });
  }
  return record as ClassifierMetadata;
}

/** @deprecated Use {@link readClassifierMetadata} (same check, also reads Teachable Machine's). */
export function checkMetadata(metadata: unknown, where: string): ClassifierMetadata {
  return readClassifierMetadata(metadata, where);
}
