import type { SentenceEncoder } from '@graft/backbones';
import type { Backbone, JsonObject, Preprocessing } from '@graft/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { embeddingImageWidth } from './embedding-dataset.js';

/**
 * The image-side stand-in for a frozen text encoder: its input is the one-row image an
 * `EmbeddingDataset` serves and its "network" only flattens it, so the trainer's feature
 * extraction, heads, calibration and `saveClassifier` run unchanged on text embeddings. The
 * encoder itself runs before (embeddings are computed once per text and augmented view).
 */
export function embeddingBackbone(encoder: SentenceEncoder): Backbone {
  const width = embeddingImageWidth(encoder.featureDim);
  // Identity: [0, 255] maps onto [0, 255], mean 0, std 1, and the input already has its size.
  const preprocessing: Preprocessing = {
    inputSize: [1, width],
    channelOrder: 'rgb',
    inputRange: [0, 255],
    mean: [0, 0, 0],
    std: [1, 1, 1],
    resize: { mode: 'stretch', interpolation: 'nearest', antialias: false },
  };
  const model = tfl.sequential({
    name: `${encoder.name}_embedding`,
    layers: [tfl.layers.flatten({ inputShape: [1, width, 3], name: 'embedding' })],
  });
  return {
    name: encoder.name,
    preprocessing,
    featureDim: width * 3,
    weightsId: encoder.weightsId,
    model,
    stages: [],
    freeze() {
      for (const layer of model.layers) layer.trainable = false;
    },
    unfreeze() {
      throw new TypeError(
        `--mode fine-tune: the text encoder ${encoder.name} is a frozen graph model; train with --mode feature-extraction`,
      );
    },
    getConfig(): JsonObject {
      return { name: encoder.name, weightsId: encoder.weightsId, featureDim: encoder.featureDim };
    },
    dispose() {
      model.dispose();
    },
  };
}
