import {
  type Backbone,
  disposeBatch,
  type Head,
  type ImageDataset,
  normalizeImages,
} from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type { FeatureTable } from '../features/extract-features.js';
import { toTargets } from '../training/loss.js';
import { computeMetrics, type EvaluationReport } from './metrics.js';

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** The backbone (run in inference mode). */
  backbone: Backbone;
  /** The head. */
  head: Head;
  /** Labelled images. */
  data: ImageDataset;
  /** Images per forward pass. Default 32. */
  batchSize?: number;
  /** Values of k for top-k accuracy. Default: `[5]` when there are more than 5 classes. */
  topK?: readonly number[];
  /** Sigmoid (multi-label) heads: a label is predicted when its probability is >= this. Default 0.5. */
  threshold?: number;
  /** Cancels the evaluation. */
  signal?: AbortSignal;
  /**
   * Receives every image's probabilities (row-major, `count × classes`, dataset order) and its
   * source, for per-image exports and cross-checks; the report itself keeps only summaries.
   */
  onPredictions?: (probabilities: Float32Array, sources: ReadonlyArray<string | undefined>) => void;
}

/** Runs backbone + head over `data` in inference mode and reports loss, accuracy and more. */
export async function evaluate(options: EvaluateOptions): Promise<EvaluationReport> {
  const { backbone, head, data } = options;
  const numClasses = data.classNames.length;
  const probabilities: Float32Array[] = [];
  const targets: Float32Array[] = [];
  const sources: Array<string | undefined> = [];
  for await (const batch of data.batches({
    batchSize: options.batchSize ?? 32,
    ...(options.signal ? { signal: options.signal } : {}),
  })) {
    try {
      const [output, target] = tf.tidy(() => {
        const input = normalizeImages(batch.images, backbone.preprocessing);
        const features = backbone.model.predict(input) as tf.Tensor;
        return [head.model.predict(features) as tf.Tensor, toTargets(batch.labels, numClasses)];
      });
      probabilities.push((await output.data()) as Float32Array);
      targets.push((await target.data()) as Float32Array);
      tf.dispose([output, target]);
      for (let index = 0; index < batch.images.shape[0]; index++) {
        sources.push(batch.sources?.[index]);
      }
    } finally {
      disposeBatch(batch);
    }
  }
  const rows = concatenate(probabilities);
  options.onPredictions?.(rows, sources);
  return computeMetrics({
    probabilities: rows,
    targets: concatenate(targets),
    classNames: data.classNames,
    activation: head.activation,
    ...(options.topK ? { topK: options.topK } : {}),
    ...(options.threshold !== undefined ? { threshold: options.threshold } : {}),
    sources,
  });
}

/** Evaluates the head on cached features (feature extraction) without touching the backbone. */
export async function evaluateFeatures(options: {
  /** The head. */
  head: Head;
  /** Features and targets. */
  table: FeatureTable;
  /** Class names. */
  classNames: readonly string[];
  /** Rows per forward pass. Default 256. */
  batchSize?: number;
  /** Values of k for top-k accuracy. */
  topK?: readonly number[];
  /** Sigmoid (multi-label) heads: the decision threshold. Default 0.5. */
  threshold?: number;
}): Promise<EvaluationReport> {
  const probabilities = await predictFeatures(
    options.head,
    options.table,
    options.batchSize ?? 256,
  );
  return computeMetrics({
    probabilities,
    targets: options.table.targets,
    classNames: options.classNames,
    activation: options.head.activation,
    ...(options.topK ? { topK: options.topK } : {}),
    ...(options.threshold !== undefined ? { threshold: options.threshold } : {}),
    sources: options.table.sources,
  });
}

/** The head's probabilities for every row of a feature table. */
export async function predictFeatures(
  head: Head,
  table: FeatureTable,
  batchSize: number,
): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for (let start = 0; start < table.count; start += batchSize) {
    const size = Math.min(batchSize, table.count - start);
    const output = tf.tidy(() => {
      const input = tf.tensor2d(
        table.features.subarray(start * table.featureDim, (start + size) * table.featureDim),
        [size, table.featureDim],
      );
      return head.model.predict(input) as tf.Tensor;
    });
    parts.push((await output.data()) as Float32Array);
    output.dispose();
  }
  return concatenate(parts);
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
