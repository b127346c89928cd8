import { decodePixels } from '@graft/datasets/node';
import { loadClassifier as loadClassifierFromUrl } from '@graft/trainer';
import { loadClassifier as loadClassifierDirectory } from '@graft/trainer/node';
import { ImageClassifier } from '../image-classifier.js';

/** Options of {@link loadClassifier} (Node). */
export interface LoadNodeClassifierOptions {
  /**
   * Largest `width * height` an encoded image may declare; larger ones are refused from the
   * header, before any pixel is decoded. Default `defaultMaximumPixels` of `@graft/datasets`
   * (2^28); a server facing uploads should set far less.
   */
  maximumPixels?: number;
}

/**
 * Loads a classifier directory (`model.json`, weights, `metadata.json`: `graft export`, a run's
 * `model/`, a Teachable Machine export) or an `http(s)://` base URL holding the same files, ready
 * to classify encoded bytes (decoded by sharp, as `graft train` and `graft predict` decode
 * files), `ImageData` or tensors. Pick the tfjs backend first (`initBackend` of
 * `@graft/runtime`). The caller calls `dispose()`.
 */
export async function loadClassifier(
  directoryOrUrl: string,
  options: LoadNodeClassifierOptions = {},
): Promise<ImageClassifier> {
  const classifier = /^https?:\/\//i.test(directoryOrUrl)
    ? await loadClassifierFromUrl(directoryOrUrl)
    : await loadClassifierDirectory(directoryOrUrl);
  const limits =
    options.maximumPixels === undefined ? {} : { maximumPixels: options.maximumPixels };
  return new ImageClassifier({
    classifier,
    decode: (bytes, name) => decodePixels(bytes, name, limits),
  });
}
