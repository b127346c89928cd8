import type { SentenceEncoder } from '@graft/backbones';
import { embedTexts } from './embed-texts.js';

/** Embeds texts, each distinct text once per process (folds share the original texts). */
export type EmbedWithCache = (
  texts: readonly string[],
  onProgress?: (done: number, total: number) => void,
) => Promise<Float32Array>;

/** An {@link EmbedWithCache} over `encoder`, holding one Float32Array per distinct text. */
export function cachedEmbeddings(encoder: SentenceEncoder): EmbedWithCache {
  const cache = new Map<string, Float32Array>();
  return async (texts, onProgress) => {
    const missing = [...new Set(texts.filter((text) => !cache.has(text)))];
    if (missing.length > 0) {
      const embedded = await embedTexts({
        encoder,
        texts: missing,
        ...(onProgress ? { onProgress } : {}),
      });
      missing.forEach((text, row) => {
        cache.set(text, embedded.slice(row * encoder.featureDim, (row + 1) * encoder.featureDim));
      });
    }
    const result = new Float32Array(texts.length * encoder.featureDim);
    texts.forEach((text, row) => {
      result.set(cache.get(text) as Float32Array, row * encoder.featureDim);
    });
    return result;
  };
}
