import type { Backbone, ImageAugmentation, ImageBatch, ImageDataset } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { extractFeatures, type FeatureTable } from '../features/extract-features.js';
import type { FeatureComputer } from '../features/feature-computer.js';
import type { FeatureStore } from '../features/feature-store.js';
import { extractTeacherLogits, type TeacherLogitsTable } from '../losses/teacher-logits.js';
import type { ResolvedLossTerms } from './loss-terms.js';

/** Cached data of the loss terms in feature-extraction mode. */
export interface FeatureLossData {
  /** Teacher logits per augmented pass, row-aligned with the student's feature tables. */
  teacherTables: TeacherLogitsTable[];
  /** Target-domain features per CORAL term. */
  coralTables: FeatureTable[];
  /** Teacher images computed (not from the cache), over all passes. */
  teacherImages: number;
  /** Teacher rows served from the cache. */
  teacherCacheHits: number;
}

/**
 * Feature-extraction mode: the teacher's logits for every pass (on the same augmented pixels as
 * the student's features) and the CORAL target features, computed once and cached in `store`.
 */
export async function prepareFeatureLossData(options: {
  terms: ResolvedLossTerms;
  backbone: Backbone;
  trainData: ImageDataset;
  passes: number;
  augmentation?: ImageAugmentation;
  seed: number;
  batchSize: number;
  store: FeatureStore;
  signal?: AbortSignal;
  /** Computes the student backbone's features (worker pool), for the CORAL target images. */
  featureComputer?: FeatureComputer;
  /** Student feature-table row counts per pass, checked against the teacher's. */
  rowsPerPass: readonly number[];
}): Promise<FeatureLossData> {
  const result: FeatureLossData = {
    teacherTables: [],
    coralTables: [],
    teacherImages: 0,
    teacherCacheHits: 0,
  };
  const { terms, signal } = options;
  if (terms.distillation) {
    for (let pass = 0; pass < options.passes; pass++) {
      const { table, stats } = await extractTeacherLogits({
        teacher: terms.distillation.teacher,
        logitsTeacher: terms.distillation.logitsTeacher,
        data: options.trainData,
        batchSize: options.batchSize,
        ...(options.augmentation ? { augmentation: options.augmentation } : {}),
        pass,
        seed: options.seed,
        store: options.store,
        imageSize: options.backbone.preprocessing.inputSize,
        ...(signal ? { signal } : {}),
      });
      const expected = options.rowsPerPass[pass];
      if (table.count !== expected) {
        throw new RangeError(
          `The teacher saw ${table.count} images in pass ${pass}, the student ${expected}.`,
        );
      }
      if (table.numClasses !== options.trainData.classNames.length) {
        throw new RangeError(
          `The teacher gives ${table.numClasses} logits per image; the data has ${options.trainData.classNames.length} classes.`,
        );
      }
      result.teacherTables.push(table);
      result.teacherImages += stats.teacherImages;
      result.teacherCacheHits += stats.cacheHits;
    }
  }
  for (const term of terms.corals) {
    const { table } = await extractFeatures({
      backbone: options.backbone,
      data: withoutLabels(term.targetData),
      batchSize: options.batchSize,
      store: options.store,
      ...(options.featureComputer ? { featureComputer: options.featureComputer } : {}),
      ...(signal ? { signal } : {}),
    });
    result.coralTables.push(table);
  }
  return result;
}

/**
 * The target images with their labels replaced by zeros of a two-class dataset: CORAL ignores
 * labels, and an unlabelled folder often has a single class (one-hot needs two).
 */
function withoutLabels(data: ImageDataset): ImageDataset {
  return {
    classNames: ['target', 'unused'],
    size: data.size,
    labels: () => new Array<number>(data.size).fill(0),
    async *batches(options) {
      for await (const batch of data.batches(options)) {
        batch.labels.dispose();
        const relabelled: ImageBatch = {
          ...batch,
          labels: tf.zeros([batch.images.shape[0]], 'int32') as tf.Tensor1D,
        };
        yield relabelled;
      }
    },
  };
}
