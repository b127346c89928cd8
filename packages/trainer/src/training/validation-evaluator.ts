import type { ImageDataset } from '@graft/core';
import { evaluate, evaluateFeatures } from '../evaluation/evaluate.js';
import type { EvaluationReport } from '../evaluation/metrics.js';
import type { FeatureTable } from '../features/extract-features.js';
import type { FrozenPrefixCache } from './frozen-prefix-cache.js';
import type { TrainOptions } from './train-options.js';

/** On cached features in feature-extraction mode, through the backbone when fine-tuning. */
export function validationEvaluator(
  options: TrainOptions,
  validationTable: FeatureTable | undefined,
  prefixCache: FrozenPrefixCache | undefined,
  microBatchSize: number,
): (data: ImageDataset) => Promise<EvaluationReport> {
  const { backbone, head, trainData, signal } = options;
  const threshold = options.threshold !== undefined ? { threshold: options.threshold } : {};
  return (data) =>
    prefixCache?.validationTable
      ? prefixCache.evaluate(head, trainData.classNames, options.threshold)
      : validationTable
        ? evaluateFeatures({
            head,
            table: validationTable,
            classNames: trainData.classNames,
            ...threshold,
          })
        : evaluate({
            backbone,
            head,
            data,
            batchSize: microBatchSize * 2,
            ...(signal ? { signal } : {}),
            ...threshold,
          });
}
