import { createHash } from 'node:crypto';
import type { SentenceEncoder } from '@graft/backbones';
import type { FeatureStore } from '@graft/trainer';
import { embedTexts } from './embed-texts.js';

/** Embeds texts, each distinct text once per process (folds share the original texts). */
export type EmbedWithCache = (
  texts: readonly string[],
  onProgress?: (done: number, total: number) => void,
) => Promise<Float32Array>;

/**
 * An {@link EmbedWithCache} over `encoder`, holding one Float32Array per distinct text, and
 * reading and writing `store` (the disk cache, keyed by the text's SHA-256) when given.
 */
export function cachedEmbeddings(encoder: SentenceEncoder, store?: FeatureStore): EmbedWithCache {
  const cache = new Map<string, Float32Array>();
  const keyOf = (text: string) => createHash('sha256').update(text).digest('hex');
  return async (texts, onProgress) => {
    const missing: string[] = [];
    for (const text of new Set(texts)) {
      if (cache.has(text)) continue;
      const stored = store ? await store.get(keyOf(text)) : undefined;
      if (stored?.length === encoder.featureDim) cache.set(text, stored);
      else missing.push(text);
    }
    if (missing.length > 0) {
      const embedded = await embedTexts({
        encoder,
        texts: missing,
        ...(onProgress ? { onProgress } : {}),
      });
      for (const [row, text] of missing.entries()) {
        const vector = embedded.slice(row * encoder.featureDim, (row + 1) * encoder.featureDim);
        cache.set(text, vector);
        await store?.set(keyOf(text), vector);
      }
    }
    const result = new Float32Array(texts.length * encoder.featureDim);
    texts.forEach((text, row) => {
      result.set(cache.get(text) as Float32Array, row * encoder.featureDim);
    });
    return result;
  };
}
