import { decodeInBrowser, type ImageDecoder } from '@graft/datasets';
import { loadClassifier as loadClassifierModel } from '@graft/trainer';
import { ImageClassifier } from './image-classifier.js';

/** Options of {@link loadClassifier} (browser). */
export interface LoadClassifierOptions {
  /** Decodes encoded bytes. Default `decodeInBrowser` (the browser's codecs, plus BMP/netpbm). */
  decode?: ImageDecoder;
}

/**
 * Loads a classifier from a base URL holding `model.json`, its weights and `metadata.json`
 * (`graft export`, `graft train`'s `model/`, or a Teachable Machine export), ready to classify
 * bytes, `ImageData` or tensors. Pick the tfjs backend first (`initBackend` of `@graft/runtime`).
 * The caller calls `dispose()`.
 */
export async function loadClassifier(
  url: string,
  options: LoadClassifierOptions = {},
): Promise<ImageClassifier> {
  const classifier = await loadClassifierModel(url);
  return new ImageClassifier({ classifier, decode: options.decode ?? decodeInBrowser });
}
