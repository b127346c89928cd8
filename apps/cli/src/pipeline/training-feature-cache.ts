import {
  type Backbone,
  InvalidArgumentError,
  type Preprocessing,
  resolvePreprocessing,
} from '@graft/core';
import { backboneCacheIdentity, type ExtractionStats } from '@graft/trainer';
import { DiskFeatureStore } from '@graft/trainer/node';
import sharp from 'sharp';
import type { CommandOutput } from '../output.js';
import { version } from '../version.js';
import { featureCacheDirectory } from './feature-cache-directory.js';
import { weightProvenanceOf } from './training-backbone.js';

/**
 * `--no-cache` as commander's `.option(...noCacheOption)` arguments (graft train, resume,
 * distill and demo): the value arrives as `flags.cache === false`.
 */
export const noCacheOption = [
  '--no-cache',
  'compute frozen features afresh: neither read nor write the feature cache (<GRAFT_CACHE_DIR>/features; graft cache ls)',
] as const;

/** Default `GRAFT_FEATURE_CACHE_BYTES`: 2 GiB (about 400 000 MobileNetV2 feature vectors). */
export const defaultFeatureCacheBytes = 2 * 1024 ** 3;

/**
 * `GRAFT_FEATURE_CACHE_BYTES`: the whole feature cache's budget in bytes (default 2 GiB); `0`
 * turns the cache off, like `GRAFT_PIXEL_CACHE_BYTES` for the pixel cache.
 */
export function featureCacheBytes(environment: NodeJS.ProcessEnv = process.env): number {
  const text = environment.GRAFT_FEATURE_CACHE_BYTES;
  const bytes = text === undefined || text === '' ? defaultFeatureCacheBytes : Number(text);
  if (!Number.isFinite(bytes) || bytes < 0) {
    throw new InvalidArgumentError({
      argument: 'GRAFT_FEATURE_CACHE_BYTES',
      value: text,
      expected: `must be a number of bytes >= 0 (0 turns the feature cache off; default ${defaultFeatureCacheBytes})`,
    });
  }
  return bytes;
}

/** Options of {@link openTrainingFeatureCache}. */
export interface TrainingFeatureCacheOptions {
  /** The loaded (frozen) backbone. */
  backbone: Backbone;
  /** The preprocessing the data pipeline decodes and resizes with. */
  dataPreprocessing: Preprocessing;
  /** The tfjs backend (kernels round differently). */
  backend: string;
  /** Where warnings go. */
  output: CommandOutput;
  /** Environment to read `GRAFT_FEATURE_CACHE_BYTES` from. Default `process.env`. */
  environment?: NodeJS.ProcessEnv;
}

/**
 * The disk feature cache of `graft train | resume | distill | demo`, or `undefined` when
 * `GRAFT_FEATURE_CACHE_BYTES=0`. The trainer keys each vector by the backbone's content
 * (architecture, weight bytes, preprocessing), the engine, the augmentation pass and the
 * image's content (sha1 of the file); the namespace adds what it cannot see: how images were
 * decoded and resized (sharp and libvips versions, the data pipeline's resize policy), the tfjs
 * backend and the graft version (a new release never reuses features of an older pipeline).
 */
export async function openTrainingFeatureCache(
  options: TrainingFeatureCacheOptions,
): Promise<DiskFeatureStore | undefined> {
  const maximumBytes = featureCacheBytes(options.environment);
  if (maximumBytes === 0) return undefined;
  const backboneIdentity = await backboneCacheIdentity(options.backbone);
  const decoder = `sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}`;
  const dataPipeline = resolvePreprocessing(options.dataPreprocessing);
  const namespace = JSON.stringify({
    format: 'graft-cli-features-v1',
    graft: version,
    backbone: backboneIdentity,
    backend: options.backend,
    decoder,
    dataPipeline,
  });
  const weights = weightProvenanceOf(options.backbone);
  return new DiskFeatureStore({
    directory: featureCacheDirectory(),
    namespace,
    identity: {
      backbone: options.backbone.name,
      weightsId: options.backbone.weightsId,
      weights: weights ? { location: weights.location, sha256: weights.sha256 } : 'random',
      backboneIdentity,
      featureDim: options.backbone.featureDim,
      backend: options.backend,
      decoder,
      inputSize: dataPipeline.inputSize,
      resize: dataPipeline.resize,
      graft: version,
    },
    maximumBytes,
    onWarning: (message) => options.output.error(`graft: warning: ${message}`),
  });
}

/** How a run's frozen features were obtained, as report.json and `--json` record it. */
export interface FeatureCacheReport {
  /** Whether the disk cache was used (`false`: `--no-cache` or `GRAFT_FEATURE_CACHE_BYTES=0`). */
  enabled: boolean;
  /** The cache folder, when enabled. */
  directory?: string;
  /** Feature vectors the run needed (every pass, train and validation). */
  images: number;
  /** Of those, read from the cache. */
  fromCache: number;
  /** Of those, computed by the backbone. */
  computed: number;
  /** Distillation: the teacher's rows, from the cache and computed. */
  teacher?: { images: number; fromCache: number; computed: number };
  /** Damaged entries found (warned about and recomputed). */
  damaged?: number;
}

/** The report of a run's extraction counters. */
export function featureCacheReport(options: {
  store: DiskFeatureStore | undefined;
  extraction: ExtractionStats;
  teacher?: { images: number; cacheHits: number } | undefined;
}): FeatureCacheReport {
  const { store, extraction, teacher } = options;
  return {
    enabled: store !== undefined,
    ...(store ? { directory: store.directory } : {}),
    images: extraction.images,
    fromCache: extraction.cacheHits,
    computed: extraction.images - extraction.cacheHits,
    ...(teacher
      ? {
          // The trainer's `teacher.images` counts the images the teacher ran on (computed).
          teacher: {
            images: teacher.images + teacher.cacheHits,
            fromCache: teacher.cacheHits,
            computed: teacher.images,
          },
        }
      : {}),
    ...(store && store.stats.corrupt > 0 ? { damaged: store.stats.corrupt } : {}),
  };
}

/** One line for the console: `features: 397 from cache, 0 computed (…/features)`. */
export function describeFeatureCacheReport(report: FeatureCacheReport): string {
  const where = report.enabled ? `cache ${report.directory}` : 'cache off';
  const teacher = report.teacher
    ? `; teacher ${report.teacher.fromCache} from cache, ${report.teacher.computed} computed`
    : '';
  return `features: ${report.fromCache} from cache, ${report.computed} computed${teacher} (${where})`;
}
