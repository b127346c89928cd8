import { InvalidArgumentError, normalizeImages } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ClassifierMetadata } from './classifier-metadata.js';
import { resizeToInput } from './resize-to-input.js';

/** One label of a prediction. */
export interface Prediction {
  /** Class name. */
  label: string;
  /** Class index. */
  index: number;
  /** Probability. */
  probability: number;
}

/** Options of {@link Classifier.predict}. */
export interface PredictOptions {
  /** Labels returned per image, most probable first. Default: all. */
  topK?: number;
}

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
    const topK = options.topK ?? this.labels.length;
    if (!(Number.isInteger(topK) && topK > 0)) {
      throw new InvalidArgumentError({
        argument: 'topK',
        value: topK,
        expected: 'must be an integer > 0',
      });
    }
    const probabilities = this.predictProbabilities(images);
    const rows = (await probabilities.array()) as number[][];
    probabilities.dispose();
    return rows.map((row) =>
      row
        .map((probability, index) => ({
          label: this.labels[index] ?? String(index),
          index,
          probability,
        }))
        .sort((a, b) => b.probability - a.probability)
        .slice(0, topK),
    );
  }

  /** Releases the model's weights. */
  dispose(): void {
    this.model.dispose();
  }
}

/**
 * Loads a classifier saved by `saveClassifier` (`@graft/trainer/node`) or any directory with
 * the same layout: from a base URL (browser; `model.json` and `metadata.json` are fetched from
 * it), or from an IOHandler plus the metadata object.
 */
export async function loadClassifier(
  source: string | { model: tf.io.IOHandler; metadata: ClassifierMetadata },
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
    const metadata = (await response.json()) as ClassifierMetadata;
    const model = await tfl.loadLayersModel(`${base}model.json`);
    return new Classifier({ model, metadata: checkMetadata(metadata, source) });
  }
  const model = await tfl.loadLayersModel(source.model);
  return new Classifier({ model, metadata: checkMetadata(source.metadata, 'metadata') });
}

/** Throws unless `metadata` has the Graft fields `predict` needs. */
export function checkMetadata(metadata: ClassifierMetadata, where: string): ClassifierMetadata {
  if (!Array.isArray(metadata?.labels) || metadata.graft?.preprocessing === undefined) {
    throw new InvalidArgumentError({
      argument: 'metadata',
      value: where,
      expected: 'must be a Graft metadata.json with `labels` and `graft.preprocessing`',
    });
  }
  return metadata;
}
