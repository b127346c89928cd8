import { createSentenceEncoder, type SentenceEncoder } from '@graft/backbones';
import '@graft/backbones/node';
import type { Classifier } from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';
import type { EmbedWithCache } from './cached-embeddings.js';
import { embedTexts } from './embed-texts.js';
import { embeddingsToImages } from './embedding-dataset.js';
import type { TextEncoderReference } from './text-encoder-metadata.js';

/**
 * The encoder a text classifier names, refused when its weights are not the ones the classifier
 * was trained on (the head would read meaningless vectors). The caller disposes it.
 */
export async function openReferencedEncoder(
  reference: TextEncoderReference,
): Promise<SentenceEncoder> {
  const encoder = await createSentenceEncoder(reference.name);
  try {
    checkEncoderMatches(encoder, reference);
  } catch (error) {
    encoder.dispose();
    throw error;
  }
  return encoder;
}

/** Throws when `encoder` is not the one `reference` records. */
export function checkEncoderMatches(
  encoder: SentenceEncoder,
  reference: TextEncoderReference,
): void {
  if (encoder.weightsId !== reference.weightsId) {
    throw new Error(
      `the model was trained on ${reference.weightsId} embeddings, but ${encoder.name} loaded ${encoder.weightsId}; use the same encoder files`,
    );
  }
}

/** Options of {@link classifyTexts}. */
export interface ClassifyTextsOptions {
  /** The text classifier. */
  classifier: Classifier;
  /** The encoder it was trained on (see {@link openReferencedEncoder}). */
  encoder: SentenceEncoder;
  /** Texts to classify. */
  texts: readonly string[];
  /** Texts per classifier call. Default 256. */
  batchSize?: number;
  /** Told after each encoder call how many texts are embedded. */
  onProgress?: (done: number, total: number) => void;
  /** Embeds the texts instead of `encoder` directly (e.g. through the disk cache). */
  embed?: EmbedWithCache;
}

/** Row-major `[texts.length, classes]` probabilities (no tensors are left behind). */
export async function classifyTexts(options: ClassifyTextsOptions): Promise<Float32Array> {
  const { classifier, encoder, texts } = options;
  const classes = classifier.labels.length;
  const embeddings = options.embed
    ? await options.embed(texts, options.onProgress)
    : await embedTexts({
        encoder,
        texts,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
  const result = new Float32Array(texts.length * classes);
  const batchSize = options.batchSize ?? 256;
  for (let start = 0; start < texts.length; start += batchSize) {
    const count = Math.min(batchSize, texts.length - start);
    const probabilities = tf.tidy(() =>
      classifier.predictProbabilities(
        embeddingsToImages(
          tf.tensor2d(
            embeddings.subarray(start * encoder.featureDim, (start + count) * encoder.featureDim),
            [count, encoder.featureDim],
          ),
        ),
      ),
    );
    try {
      result.set(await probabilities.data(), start * classes);
    } finally {
      probabilities.dispose();
    }
  }
  return result;
}
