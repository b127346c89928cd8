import { FileFormatError } from '@graft/core';
import type { SkippedFile } from '@graft/datasets/node';
import type { TestTimeAugmentation } from '@graft/trainer';
import { withInterruptSignal } from '../interrupt/interrupt-signal.js';
import type { CommandOutput } from '../output.js';
import { defaultClassifyBatchSize } from '../pipeline/classify-dataset.js';
import { predictIdentityOf } from './classifier-identity.js';
import { type PredictShardJob, predictJobFormat } from './predict-job.js';
import { describeQueueUrl } from './queue-connection.js';
import type { QueueSettings } from './queue-flags.js';
import { hasShardFile, runShardJobs } from './run-shard-jobs.js';
import { readShardFile, shardFilePath } from './shard-file.js';
import { type PlannedShard, planShards } from './shard-plan.js';

/** Options of {@link classifyOnQueue}. */
export interface ClassifyOnQueueOptions {
  /** `--queue`, `--shared-dir`, `--shard-images`. */
  settings: QueueSettings;
  /** The classifier directory (workers load it from the same path, or through `--map-path`). */
  modelDir: string;
  /** The number of classes (columns of every row). */
  classes: number;
  /** The images, absolute paths, in the order `graft predict` classifies them. */
  files: readonly string[];
  /** The tfjs backend of this process (workers must run the same). */
  backend: string;
  /** `--tta`. */
  views?: TestTimeAugmentation;
  /** Images no worker could decode are appended here (as a local run lists them). */
  badFiles: SkippedFile[];
  /** Where progress goes. */
  output: CommandOutput;
  /** How often the queue is polled, in ms. Default 500. */
  pollMs?: number;
}

/**
 * `graft predict --queue`: the rows `classifyDataset` would give for `files` here, computed by
 * `graft worker` processes. Shards are cut on `graft predict`'s batch boundaries (so every batch
 * a worker forms is one a local run forms), named by content (classifier bytes, backend, decoder,
 * graft version, views, files), and merged in order: the probabilities are the local ones, bit
 * for bit, when every image decodes. Shard files already in the shared directory are reused.
 */
export async function classifyOnQueue(
  options: ClassifyOnQueueOptions,
): Promise<{ probabilities: Float32Array; ttaProbabilities: undefined; sources: string[] }> {
  const { settings, output } = options;
  const identity = await predictIdentityOf({
    modelDir: options.modelDir,
    backend: options.backend,
  });
  const batchSize = defaultClassifyBatchSize;
  const shards = await planShards({
    splits: [options.files],
    shardImages: settings.shardImages,
    batchSize,
    // The views change the rows too: part of each shard's name, not of what workers check.
    identity: { ...identity, views: options.views ?? null },
  });
  const pending = new Map<string, PlannedShard>();
  for (const shard of shards) {
    if (!(await hasShardFile(settings.directory, shard.name))) pending.set(shard.name, shard);
  }
  const reused = shards.length - pending.size;
  output.info(
    `queue ${describeQueueUrl(settings.url)}: ${options.files.length} images in ${shards.length} shards${reused > 0 ? ` (${reused} already in ${settings.directory})` : ''}`,
  );
  if (pending.size > 0) {
    await withInterruptSignal((signal) =>
      runShardJobs<PredictShardJob>({
        url: settings.url,
        directory: settings.directory,
        pending,
        output,
        signal,
        progressLabel: 'predictions',
        ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
        jobOf: (shard) => ({
          name: 'predict',
          data: {
            format: predictJobFormat,
            shard: shard.name,
            files: shard.files,
            modelDir: options.modelDir,
            identity,
            batchSize,
            ...(options.views ? { views: options.views } : {}),
            directory: settings.directory,
          },
        }),
      }),
    );
  }
  const parts: Float32Array[] = [];
  const sources: string[] = [];
  for (const shard of shards) {
    const rows = await readShardFile(settings.directory, shard.name);
    if (rows.featureDim !== options.classes) {
      throw new FileFormatError({
        file: shardFilePath(settings.directory, shard.name),
        problem: `holds ${rows.featureDim} classes per image, the classifier has ${options.classes}`,
      });
    }
    parts.push(rows.features);
    sources.push(...rows.keys);
    options.badFiles.push(...rows.skipped);
  }
  const probabilities = new Float32Array(sources.length * options.classes);
  let offset = 0;
  for (const part of parts) {
    probabilities.set(part, offset);
    offset += part.length;
  }
  // With --tta the rows are the averaged views already.
  return { probabilities, ttaProbabilities: undefined, sources };
}
