import type { SentenceEncoder } from '@graft/backbones';

/** Options of {@link embedTexts}. */
export interface EmbedTextsOptions {
  /** The frozen encoder. */
  encoder: SentenceEncoder;
  /** Texts to embed. */
  texts: readonly string[];
  /** Texts per encoder call. Default 64. */
  batchSize?: number;
  /** Told after each call how many texts are done. */
  onProgress?: (done: number, total: number) => void;
}

/** Row-major `[texts.length, featureDim]` embeddings (no tensors are left behind). */
export async function embedTexts(options: EmbedTextsOptions): Promise<Float32Array> {
  const { encoder, texts } = options;
  const batchSize = options.batchSize ?? 64;
  const result = new Float32Array(texts.length * encoder.featureDim);
  for (let start = 0; start < texts.length; start += batchSize) {
    const batch = texts.slice(start, start + batchSize);
    const embeddings = await encoder.embed(batch);
    try {
      result.set(await embeddings.data(), start * encoder.featureDim);
    } finally {
      embeddings.dispose();
    }
    options.onProgress?.(start + batch.length, texts.length);
  }
  return result;
}
