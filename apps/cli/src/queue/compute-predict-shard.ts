import { FileImageDataset } from '@graft/datasets/node';
import type { Classifier } from '@graft/trainer';
import { crashPoint } from '@graft/trainer/node';
import { classifyDataset } from '../pipeline/classify-dataset.js';
import { jobPathsOf, localPaths, workerName } from './compute-shard.js';
import { mapPath, type PathMapping } from './path-mapping.js';
import type { PredictShardJob } from './predict-job.js';
import { writeShardFile } from './shard-file.js';
import type { ShardProgress } from './shard-job.js';

/** Options of {@link computePredictShard}. */
export interface ComputePredictShardOptions {
  /** The job (its identity was already checked against this process's). */
  job: PredictShardJob;
  /** The job's classifier, loaded here. */
  classifier: Classifier;
  /** `--map-path`: where this worker finds the job's paths. */
  mappings?: readonly PathMapping[];
  /** Called after each batch. */
  onProgress?: (progress: ShardProgress) => void;
}

/**
 * Classifies one shard exactly as a local `graft predict` does (`classifyDataset` over the same
 * files, decoder, batch size and views) and writes the probabilities as a shard file: one row
 * per decoded image, keyed by the job's path (not the mapped one), `featureDim` = classes. An
 * image that does not decode is skipped and listed, as locally.
 */
export async function computePredictShard(options: ComputePredictShardOptions): Promise<string> {
  const { job, classifier } = options;
  const mappings = options.mappings ?? [];
  const local = await localPaths(job.files, mappings);
  const preprocessing = classifier.metadata.graft.preprocessing;
  const dataset = new FileImageDataset({
    files: local.map((path) => ({ path, label: 0 })),
    classNames: classifier.labels,
    imageSize: preprocessing.inputSize,
    resize: preprocessing.resize,
    onBadImage: 'skip',
  });
  const started = performance.now();
  const worker = workerName();
  const classified = await classifyDataset(classifier, dataset, {
    batchSize: job.batchSize,
    ...(job.views ? { tta: { views: job.views } } : {}),
  });
  const seconds = (performance.now() - started) / 1000;
  options.onProgress?.({
    done: job.files.length,
    total: job.files.length,
    worker,
    imagesPerSecond: seconds > 0 ? job.files.length / seconds : 0,
  });
  // Crash tests kill the worker here: the job is active and no shard file exists yet.
  crashPoint('queue-shard-computed');
  const byLocal = new Map(local.map((path, index) => [path, job.files[index] as string]));
  return writeShardFile(mapPath(job.directory, mappings), {
    shard: job.shard,
    featureDim: classifier.labels.length,
    keys: classified.sources.map((source) => byLocal.get(source ?? '') ?? String(source)),
    features: classified.ttaProbabilities ?? classified.probabilities,
    skipped: jobPathsOf(dataset.badFiles, job.files, local),
    worker,
  });
}
