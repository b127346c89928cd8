import { Registry } from '@graft/core';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * A frozen text encoder: strings in, one fixed-size vector per string out. The text counterpart
 * of an image `Backbone` for feature extraction; any function or model from strings to vectors
 * can be one (see {@link sentenceEncoderFromFunction}).
 */
export interface SentenceEncoder {
  /** Registered name, e.g. `use-lite`. */
  readonly name: string;
  /** Length of one embedding. */
  readonly featureDim: number;
  /** Label of model + weights (e.g. `use-lite:sha256…`), written into saved models and cache keys. */
  readonly weightsId: string;
  /** Embeddings `[texts.length, featureDim]` float32; the caller disposes the tensor. */
  embed(texts: readonly string[]): Promise<tf.Tensor2D>;
  /** Releases the model's weights. */
  dispose(): void;
}

/** Options every {@link SentenceEncoderDescriptor}'s `create` accepts. */
export interface CreateSentenceEncoderOptions {
  /**
   * Folder holding `model.json`, its shards and `vocab.json` (Node). Default: `$GRAFT_MIRROR/<name>`
   * when present, else the installed model package.
   */
  modelDirectory?: string;
  /** URL of `model.json` (browser); `vocab.json` is read beside it. */
  modelUrl?: string;
}

/** A registered text encoder: how to build it and what it produces. */
export interface SentenceEncoderDescriptor {
  /** Unique name, e.g. `use-lite`. */
  name: string;
  /** One line for listings. */
  description: string;
  /** Length of one embedding. */
  featureDim: number;
  /** Builds the encoder; the caller disposes it. */
  create(options?: CreateSentenceEncoderOptions): Promise<SentenceEncoder>;
}

/** The global text-encoder registry (shared on `globalThis` by every copy of the package). */
export const sentenceEncoderRegistry = new Registry<SentenceEncoderDescriptor>({
  kind: 'sentence-encoder',
});

/** Adds a text encoder under `descriptor.name` (replacing one warns unless `override`). */
export function registerSentenceEncoder(
  descriptor: SentenceEncoderDescriptor,
  options: { override?: boolean } = {},
): void {
  sentenceEncoderRegistry.register(descriptor.name, descriptor, options);
}

/** Registered text encoder names, sorted. */
export function listSentenceEncoders(): string[] {
  return sentenceEncoderRegistry.names();
}

/** Whether `name` is a registered text encoder (so `--backbone` means text). */
export function isSentenceEncoderName(name: string): boolean {
  return sentenceEncoderRegistry.has(name);
}

/** Builds the text encoder registered under `name`; throws listing valid names when unknown. */
export async function createSentenceEncoder(
  name: string,
  options?: CreateSentenceEncoderOptions,
): Promise<SentenceEncoder> {
  return sentenceEncoderRegistry.get(name).create(options);
}

/** Options of {@link sentenceEncoderFromFunction}. */
export interface SentenceEncoderFromFunctionOptions {
  /** Name reported in saved models. */
  name: string;
  /** Length of the vectors `embed` returns. */
  featureDim: number;
  /** Label of the function's weights or version, part of cache keys. Default: `name`. */
  weightsId?: string;
  /** The encoder: strings to a `[N, featureDim]` tensor the caller disposes. */
  embed(texts: readonly string[]): Promise<tf.Tensor2D>;
  /** Frees the encoder's resources. Default: nothing. */
  dispose?(): void;
}

/** A custom text encoder from any function from strings to fixed-size vectors. */
export function sentenceEncoderFromFunction(
  options: SentenceEncoderFromFunctionOptions,
): SentenceEncoder {
  return {
    name: options.name,
    featureDim: options.featureDim,
    weightsId: options.weightsId ?? options.name,
    async embed(texts) {
      const embeddings = await options.embed(texts);
      if (
        embeddings.rank !== 2 ||
        embeddings.shape[0] !== texts.length ||
        embeddings.shape[1] !== options.featureDim
      ) {
        const shape = JSON.stringify(embeddings.shape);
        embeddings.dispose();
        throw new TypeError(
          `embed: expected a [${texts.length}, ${options.featureDim}] tensor from encoder "${options.name}", received ${shape}`,
        );
      }
      return embeddings;
    },
    dispose: () => options.dispose?.(),
  };
}
