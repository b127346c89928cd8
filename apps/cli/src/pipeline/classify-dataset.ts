import { disposeBatch, type ImageDataset } from '@graft/core';
import {
  type Classifier,
  predictWithTestTimeAugmentation,
  type TestTimeAugmentationOptions,
} from '@graft/trainer';

/** Images per classifier call when the caller names none (`graft predict`'s batches). */
export const defaultClassifyBatchSize = 16;

/**
 * Probabilities of every image of `data`, row by row, with each image's source path; with
 * `tta`, also the test-time-augmented probabilities of the same images (same pass, same
 * decoded pixels).
 */
export async function classifyDataset(
  classifier: Classifier,
  data: ImageDataset,
  options: { batchSize?: number; signal?: AbortSignal; tta?: TestTimeAugmentationOptions } = {},
): Promise<{
  probabilities: Float32Array;
  ttaProbabilities?: Float32Array;
  targets: number[];
  sources: (string | undefined)[];
}> {
  const parts: Float32Array[] = [];
  const ttaParts: Float32Array[] = [];
  const targets: number[] = [];
  const sources: (string | undefined)[] = [];
  for await (const batch of data.batches({
    batchSize: options.batchSize ?? defaultClassifyBatchSize,
    ...(options.signal ? { signal: options.signal } : {}),
  })) {
    try {
      const probabilities = classifier.predictProbabilities(batch.images);
      parts.push((await probabilities.data()) as Float32Array);
      probabilities.dispose();
      if (options.tta) {
        const augmented = predictWithTestTimeAugmentation(classifier, batch.images, options.tta);
        ttaParts.push((await augmented.data()) as Float32Array);
        augmented.dispose();
      }
      targets.push(...((await batch.labels.data()) as Int32Array));
      const count = batch.images.shape[0] ?? 0;
      for (let index = 0; index < count; index++) sources.push(batch.sources?.[index]);
    } finally {
      disposeBatch(batch);
    }
  }
  return {
    probabilities: concatenate(parts),
    ...(options.tta ? { ttaProbabilities: concatenate(ttaParts) } : {}),
    targets,
    sources,
  };
}

function concatenate(parts: readonly Float32Array[]): Float32Array {
  const result = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    result.set(part, offset);
    offset += part.length;
  }
  return result;
}
