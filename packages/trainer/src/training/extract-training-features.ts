import type { Callback } from '@graft/core';
import type { TrainerCallback } from '../callbacks/trainer-context.js';
import {
  type ExtractionStats,
  extractFeatures,
  type FeatureTable,
} from '../features/extract-features.js';
import { MemoryFeatureStore } from '../features/feature-store.js';
import type { ResolvedLossTerms } from './loss-terms.js';
import { notifyExtraction } from './notify-callbacks.js';
import { now } from './now.js';
import { type FeatureLossData, prepareFeatureLossData } from './prepare-loss-terms.js';
import type { TrainOptions } from './train-options.js';

/** What feature-extraction mode featurises once, before any epoch. */
export interface TrainingFeatures {
  /** One table of training features per augmented pass (epoch `e` trains on pass `e mod passes`). */
  trainTables: FeatureTable[];
  /** Features of the validation images, when there are any. */
  validationTable?: FeatureTable;
  /** Teacher logits and CORAL target features, when there are extra loss terms. */
  lossData?: FeatureLossData;
  /** Counters of every pass and the validation images together. */
  extraction: ExtractionStats;
  /** Seconds spent featurising. */
  extractionSeconds: number;
}

/**
 * Runs the frozen backbone once per image and pass (and over the validation images), through
 * the feature store, so head epochs train on cached features.
 */
export async function extractTrainingFeatures(settings: {
  /** The run's options (backbone, data, augmentation, store, computer, seed, signal). */
  options: TrainOptions;
  /** The run's resolved loss terms, featurised too when there are any. */
  lossTerms: ResolvedLossTerms;
  /** Told of extraction progress. */
  callbacks: readonly (Callback | TrainerCallback)[];
  /** Throws the signal's reason when the run was aborted. */
  throwIfAborted: () => void;
}): Promise<TrainingFeatures> {
  const { options, lossTerms, callbacks, throwIfAborted } = settings;
  const { backbone, trainData, signal } = options;
  const hasLossTerms = lossTerms.distillation !== undefined || lossTerms.corals.length > 0;
  const started = now();
  const store = options.featureStore ?? new MemoryFeatureStore();
  const passes = options.augmentation ? (options.augmentedPasses ?? 4) : 1;
  const extraction: ExtractionStats = {
    images: 0,
    cacheHits: 0,
    backboneCalls: 0,
    backboneImages: 0,
  };
  const extractionBatchSize = options.extractionBatchSize ?? 32;
  const trainTables: FeatureTable[] = [];
  for (let pass = 0; pass < passes; pass++) {
    throwIfAborted();
    const { table, stats } = await extractFeatures({
      backbone,
      data: trainData,
      batchSize: extractionBatchSize,
      ...(options.augmentation ? { augmentation: options.augmentation } : {}),
      pass,
      seed: options.seed ?? 0,
      store,
      onProgress: (done, total, cached) =>
        notifyExtraction(callbacks, { pass, done, total, cached }),
      ...(signal ? { signal } : {}),
      ...(options.featureComputer ? { featureComputer: options.featureComputer } : {}),
    });
    trainTables.push(table);
    addStats(extraction, stats);
  }
  let lossData: FeatureLossData | undefined;
  if (hasLossTerms) {
    lossData = await prepareFeatureLossData({
      terms: lossTerms,
      backbone,
      trainData,
      passes,
      ...(options.augmentation ? { augmentation: options.augmentation } : {}),
      seed: options.seed ?? 0,
      batchSize: extractionBatchSize,
      store,
      ...(signal ? { signal } : {}),
      rowsPerPass: trainTables.map((table) => table.count),
      ...(options.featureComputer ? { featureComputer: options.featureComputer } : {}),
    });
  }
  let validationTable: FeatureTable | undefined;
  if (options.validationData) {
    const { table, stats } = await extractFeatures({
      backbone,
      data: options.validationData,
      batchSize: extractionBatchSize,
      store,
      onProgress: (done, total, cached) =>
        notifyExtraction(callbacks, { pass: 'validation', done, total, cached }),
      ...(signal ? { signal } : {}),
      ...(options.featureComputer ? { featureComputer: options.featureComputer } : {}),
    });
    validationTable = table;
    addStats(extraction, stats);
  }
  return {
    trainTables,
    ...(validationTable ? { validationTable } : {}),
    ...(lossData ? { lossData } : {}),
    extraction,
    extractionSeconds: (now() - started) / 1000,
  };
}

function addStats(total: ExtractionStats, stats: ExtractionStats): void {
  total.images += stats.images;
  total.cacheHits += stats.cacheHits;
  total.backboneCalls += stats.backboneCalls;
  total.backboneImages += stats.backboneImages;
}
