import { access } from 'node:fs/promises';
import { hostname } from 'node:os';
import { type Backbone, type FeatureComputer, FileFormatError } from '@graft/core';
import { FileImageDataset } from '@graft/datasets/node';
import { backboneCacheIdentity, extractFeatures, type FeatureStore } from '@graft/trainer';
import { crashPoint } from '@graft/trainer/node';
import sharp from 'sharp';
import { weightProvenanceOf } from '../pipeline/training-backbone.js';
import { version } from '../version.js';
import { describeUnreadablePath, mapPath, type PathMapping } from './path-mapping.js';
import { type ShardFeatures, writeShardFile } from './shard-file.js';
import type { FeatureIdentity, ShardJob, ShardProgress } from './shard-job.js';

/** `host pid` of this process, as workers name themselves in progress and shard files. */
export function workerName(): string {
  return `${hostname()} ${process.pid}`;
}

/** The sharp and libvips versions that decode and resize images here. */
export function decoderName(): string {
  return `sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}`;
}

/** The identity of the features this process computes with `backbone` on `engine`/`backend`. */
export async function featureIdentityOf(options: {
  backbone: Backbone;
  engine: string;
  backend: string;
}): Promise<FeatureIdentity> {
  return {
    backbone: await backboneCacheIdentity(options.backbone),
    weightsSha256: weightProvenanceOf(options.backbone)?.sha256 ?? null,
    engine: options.engine,
    backend: options.backend,
    decoder: decoderName(),
    graft: version,
  };
}

/** Options of {@link computeShard}. */
export interface ComputeShardOptions {
  /** The job (its identity was already checked against this process's). */
  job: ShardJob;
  /** The job's backbone, loaded here. */
  backbone: Backbone;
  /** Runs the backbone elsewhere (worker threads, ONNX Runtime). Default: this thread. */
  featureComputer?: FeatureComputer;
  /** Called after each batch. */
  onProgress?: (progress: ShardProgress) => void;
  /** Cancels the computation. */
  signal?: AbortSignal;
  /** `--map-path`: where this worker finds the job's paths (images and shared directory). */
  mappings?: readonly PathMapping[];
}

/**
 * Computes one shard's features exactly as a local `graft train` does (the trainer's
 * `extractFeatures` over the same files, decoder, batch size and engine, so the keys and values
 * are the ones the run's own feature store would hold) and writes the shard file atomically.
 * A file the worker cannot reach is an error naming it (a wrong shared path fails, then
 * retries); an image that does not decode is skipped and listed, as a local run skips it.
 */
export async function computeShard(options: ComputeShardOptions): Promise<string> {
  const { job, backbone } = options;
  const mappings = options.mappings ?? [];
  const local = await localPaths(job.files, mappings);
  const dataset = new FileImageDataset({
    files: local.map((path) => ({ path, label: 0 })),
    // Labels are not used; two classes because a one-class target has no valid one-hot depth.
    classNames: ['image', 'unused'],
    imageSize: backbone.preprocessing.inputSize,
    ...(backbone.preprocessing.resize ? { resize: backbone.preprocessing.resize } : {}),
    onBadImage: 'skip',
  });
  const recorded: { key: string; features: Float32Array }[] = [];
  // Every key misses, so every image runs through the backbone; `set` records the rows in order.
  const recorder: FeatureStore = {
    get: async () => undefined,
    set: async (key, features) => {
      recorded.push({ key, features });
    },
  };
  const started = performance.now();
  const worker = workerName();
  await extractFeatures({
    backbone,
    data: dataset,
    batchSize: job.batchSize,
    store: recorder,
    ...(options.featureComputer ? { featureComputer: options.featureComputer } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: (done, total) => {
      const seconds = (performance.now() - started) / 1000;
      options.onProgress?.({
        done,
        total,
        worker,
        imagesPerSecond: seconds > 0 ? done / seconds : 0,
      });
    },
  });
  // Crash tests kill the worker here: the job is active and no shard file exists yet.
  crashPoint('queue-shard-computed');
  const featureDim = backbone.featureDim;
  const features = new Float32Array(recorded.length * featureDim);
  for (const [index, row] of recorded.entries()) features.set(row.features, index * featureDim);
  const shard: ShardFeatures = {
    shard: job.shard,
    featureDim,
    keys: recorded.map((row) => row.key),
    features,
    skipped: jobPathsOf(dataset.badFiles, job.files, local),
    worker,
  };
  return writeShardFile(mapPath(job.directory, mappings), shard);
}

/**
 * The job's `files` as this worker reads them (through `mappings`), each checked: a file the
 * worker cannot reach is an error naming the job's path and the mapping that is missing (a wrong
 * shared path fails, then retries).
 */
export async function localPaths(
  files: readonly string[],
  mappings: readonly PathMapping[],
): Promise<string[]> {
  const local = files.map((path) => mapPath(path, mappings));
  for (const [index, path] of local.entries()) {
    await access(path).catch((error: unknown) => {
      const jobPath = files[index] as string;
      throw new FileFormatError({
        file: jobPath,
        problem: `${describeUnreadablePath(jobPath, mappings, workerName())} (${(error as Error).message})`,
        cause: error,
      });
    });
  }
  return local;
}

/** Skipped files named by the job's paths (the run reports them as it named them). */
export function jobPathsOf(
  skipped: readonly { path: string; reason: string }[],
  files: readonly string[],
  local: readonly string[],
): { path: string; reason: string }[] {
  const byLocal = new Map(local.map((path, index) => [path, files[index] as string]));
  return skipped.map((file) => {
    const path = byLocal.get(file.path) ?? file.path;
    // Decoder messages start with the path they read: the job's, as a local run would say.
    return { path, reason: file.reason.replaceAll(file.path, path) };
  });
}
