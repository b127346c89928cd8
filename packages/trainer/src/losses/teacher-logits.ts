import {
  disposeBatch,
  type ImageAugmentation,
  type ImageBatch,
  type ImageDataset,
} from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { Classifier } from '../classifier/classifier.js';
import { backboneCacheIdentity } from '../features/backbone-cache-identity.js';
import { hashImages } from '../features/content-hash.js';
import { augmentationSeed, extractFeatures } from '../features/extract-features.js';
import { featureCacheKeys } from '../features/feature-cache-keys.js';
import type { FeatureStore } from '../features/feature-store.js';
import { modelFingerprint } from '../features/model-fingerprint.js';
import { sha256Hex } from '../features/sha256.js';
import {
  isFeatureTeacher,
  type LogitsTeacher,
  logitsFromProbabilities,
  type Teacher,
} from './teacher.js';

/** Teacher logits of a whole dataset (one pass), row-aligned with the student's feature table. */
export interface TeacherLogitsTable {
  /** Rows. */
  count: number;
  /** Classes (columns). */
  numClasses: number;
  /** `count × numClasses` logits, row-major. */
  logits: Float32Array;
}

/** Counters of one teacher pass. */
export interface TeacherStats {
  /** Images seen. */
  images: number;
  /** Images whose logits (or, for a backbone + head teacher, features) came from the store. */
  cacheHits: number;
  /** Images the teacher network ran on. */
  teacherImages: number;
}

/** Options of {@link extractTeacherLogits}. */
export interface ExtractTeacherLogitsOptions {
  /** The frozen teacher. */
  teacher: Teacher;
  /** Its pixel form (from `distillation`). */
  logitsTeacher: LogitsTeacher;
  /** The student's training images, in dataset order. */
  data: ImageDataset;
  /** Images per batch: must equal the student's extraction batch size (augmentation is per batch). */
  batchSize: number;
  /** The student's augmentation of this pass. */
  augmentation?: ImageAugmentation;
  /** Pass number. */
  pass: number;
  /** Seed of the run. */
  seed: number;
  /** Cache of logits (and a backbone + head teacher's features). */
  store?: FeatureStore;
  /**
   * Height and width of the images `data` yields. A backbone + head teacher with another input
   * size goes through its pixel form (which resizes) instead of its cached features.
   */
  imageSize?: readonly [number, number];
  /** Cancels the pass. */
  signal?: AbortSignal;
}

/**
 * The frozen teacher's logits for every image of one pass, on exactly the augmented pixels the
 * student's features of that pass were computed from (same batches, same augmentation seeds as
 * `extractFeatures`). Cached per image key and pass: a `{ backbone, head }` teacher reuses
 * `extractFeatures` (its features hit the cache of the teacher's own training on the same
 * passes), any other teacher's logits are stored under the teacher's id.
 */
export async function extractTeacherLogits(
  options: ExtractTeacherLogitsOptions,
): Promise<{ table: TeacherLogitsTable; stats: TeacherStats }> {
  const { teacher, data } = options;
  const sameSize =
    options.imageSize === undefined ||
    (isFeatureTeacher(teacher) &&
      teacher.backbone.preprocessing.inputSize[0] === options.imageSize[0] &&
      teacher.backbone.preprocessing.inputSize[1] === options.imageSize[1]);
  if (isFeatureTeacher(teacher) && sameSize) {
    const { table, stats } = await extractFeatures({
      backbone: teacher.backbone,
      data,
      batchSize: options.batchSize,
      ...(options.augmentation ? { augmentation: options.augmentation } : {}),
      pass: options.pass,
      seed: options.seed,
      ...(options.store ? { store: options.store } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const logits = tf.tidy(() =>
      logitsFromProbabilities(
        teacher.head.model.predict(
          tf.tensor2d(table.features, [table.count, table.featureDim]),
        ) as tf.Tensor,
        teacher.head.activation,
      ),
    );
    const values = (await logits.data()) as Float32Array;
    const numClasses = logits.shape[1] ?? 0;
    logits.dispose();
    return {
      table: { count: table.count, numClasses, logits: values },
      stats: {
        images: stats.images,
        cacheHits: stats.cacheHits,
        teacherImages: stats.backboneImages,
      },
    };
  }
  const { logitsTeacher, store } = options;
  const prefix = await keyPrefix(options);
  const numClasses = data.classNames.length;
  const rows: Float32Array[] = [];
  const stats: TeacherStats = { images: 0, cacheHits: 0, teacherImages: 0 };
  let teacherClasses: number | undefined;
  let batchIndex = 0;
  for await (const original of data.batches({
    batchSize: options.batchSize,
    shuffle: false,
    ...(options.signal ? { signal: options.signal } : {}),
  })) {
    let batch: ImageBatch = original;
    try {
      const imageKeys = original.keys ?? (await hashImages(original.images));
      const keys = await featureCacheKeys({
        prefix,
        imageKeys,
        augmented: options.augmentation !== undefined,
      });
      const cached = store ? await Promise.all(keys.map((key) => store.get(key))) : [];
      if (store !== undefined && cached.every((entry) => entry !== undefined)) {
        for (const entry of cached) rows.push(entry as Float32Array);
        stats.cacheHits += keys.length;
      } else {
        if (options.augmentation) {
          batch = options.augmentation.apply(original, {
            seed: augmentationSeed(options.seed, options.pass, batchIndex),
            numClasses,
          });
        }
        const logits = logitsTeacher.logits(batch.images);
        const values = (await logits.data()) as Float32Array;
        const width = logits.shape[1];
        logits.dispose();
        teacherClasses = width;
        for (let index = 0; index < keys.length; index++) {
          const row = values.slice(index * width, (index + 1) * width);
          rows.push(row);
          await store?.set(keys[index] as string, row);
        }
        stats.teacherImages += keys.length;
      }
      stats.images += keys.length;
      batchIndex++;
    } finally {
      if (batch !== original) disposeBatch(batch);
      disposeBatch(original);
    }
  }
  const width = teacherClasses ?? rows[0]?.length ?? numClasses;
  const logits = new Float32Array(rows.length * width);
  rows.forEach((row, index) => {
    logits.set(row, index * width);
  });
  return { table: { count: rows.length, numClasses: width, logits }, stats };
}

async function keyPrefix(options: ExtractTeacherLogitsOptions): Promise<string> {
  const parts = [
    'teacher-logits',
    options.logitsTeacher.id,
    ...(await teacherContent(options.teacher)),
  ];
  if (options.augmentation) {
    // Same ingredients as the student's feature keys: the augmented pixels depend on them.
    parts.push(
      JSON.stringify(options.augmentation.toConfig()),
      `pass=${options.pass}`,
      `seed=${options.seed}`,
      `batch=${options.batchSize}`,
    );
  } else {
    parts.push('clean');
  }
  return sha256Hex(parts.join('\n'));
}

/**
 * What the teacher's logits depend on beyond its `id` (which names a configuration, not trained
 * weights): the content of its networks, so a retrained teacher never reuses the logits of the
 * one before. A plain logits teacher is known only by its id.
 */
async function teacherContent(teacher: Teacher): Promise<string[]> {
  if (teacher instanceof Classifier) return [`classifier=${await modelFingerprint(teacher.model)}`];
  if (isFeatureTeacher(teacher)) {
    return [
      `backbone=${await backboneCacheIdentity(teacher.backbone)}`,
      `head=${await modelFingerprint(teacher.head.model)}`,
    ];
  }
  return [];
}
