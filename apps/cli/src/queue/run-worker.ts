import type { Backbone } from '@graft/core';
import type { Classifier } from '@graft/trainer';
import type { Job } from 'bullmq';
import type { CommandOutput } from '../output.js';
import { startExtractionWorkers } from '../pipeline/extraction-workers.js';
import { type ClosableFeatureComputer, startFeatureEngine } from '../pipeline/feature-engine.js';
import { loadRunClassifier } from '../pipeline/load-run-classifier.js';
import { selectBackend } from '../pipeline/select-backend.js';
import { createTrainingBackbone } from '../pipeline/training-backbone.js';
import { predictIdentityMismatches, predictIdentityOf } from './classifier-identity.js';
import { computePredictShard } from './compute-predict-shard.js';
import { computeShard, featureIdentityOf, workerName } from './compute-shard.js';
import { describeUnreadablePath, mapPath, type PathMapping } from './path-mapping.js';
import { type PredictShardJob, predictJobFormat } from './predict-job.js';
import {
  describeQueueUrl,
  featureQueueName,
  openRedis,
  reportConnection,
} from './queue-connection.js';
import { identityMismatches, type ShardJob, shardJobFormat } from './shard-job.js';

/** Options of {@link runWorker}. */
export interface RunWorkerOptions {
  /** The Redis server (`--queue`). */
  url: URL;
  /** Where to print. */
  output: CommandOutput;
  /**
   * Seconds without a lock renewal after which a job counts as stalled (its worker died) and is
   * handed to another worker: BullMQ's `lockDuration` and `stalledInterval`. Default 30.
   */
  stalledSeconds?: number;
  /** Threads computing features in this process (`--extraction-workers`). Default 1. */
  extractionWorkers?: number;
  /** Stops the worker (after the current shard's lock is released). */
  signal?: AbortSignal;
  /** `--map-path`: where this worker finds the paths jobs name (data, shared dir, classifier). */
  mappings?: readonly PathMapping[];
}

/** The classifier a worker holds for prediction jobs, kept while jobs name the same one. */
interface LoadedClassifier {
  modelDir: string;
  digest: string;
  classifier: Classifier;
}

/** The backbone a worker holds, with its engine, kept while jobs name the same spec. */
interface LoadedBackbone {
  spec: string;
  engine: string;
  backbone: Backbone;
  computer: ClosableFeatureComputer | undefined;
}

/**
 * `graft worker`: pulls shard jobs from the queue until `signal` aborts, computing each with the
 * local engine and writing its shard file. BullMQ does the distribution: a job whose worker
 * stops renewing its lock (killed, hung) is handed to another worker after `stalledSeconds`;
 * a failed job is retried with exponential backoff (the run's `attempts`). A job whose features
 * would differ here (other weights, preprocessing, engine, backend, decoder or graft version)
 * is refused as unrecoverable, naming each difference, instead of computing other features.
 */
export async function runWorker(options: RunWorkerOptions): Promise<void> {
  const { output, url } = options;
  const { UnrecoverableError, Worker } = await import('bullmq');
  const backend = await selectBackend();
  const stalledMs = (options.stalledSeconds ?? 30) * 1000;
  const threads = options.extractionWorkers ?? 1;
  const mappings = options.mappings ?? [];
  let loaded: LoadedBackbone | undefined;
  let loadedClassifier: LoadedClassifier | undefined;
  const release = async () => {
    await loaded?.computer?.close();
    loaded?.backbone.dispose();
    loaded = undefined;
    loadedClassifier?.classifier.dispose();
    loadedClassifier = undefined;
  };
  const load = async (job: ShardJob): Promise<LoadedBackbone> => {
    const spec = JSON.stringify(job.backbone);
    if (loaded?.spec === spec && loaded.engine === job.identity.engine) return loaded;
    await release();
    output.info(`loading backbone ${job.backbone.backbone} (${job.backbone.weights} weights)…`);
    const backbone = await createTrainingBackbone(job.backbone);
    try {
      const computer = await startFeatureEngine({
        requested: job.identity.engine === 'onnxruntime' ? 'onnx' : 'tfjs',
        backbone,
        frozen: true,
        output,
        startTfjs: () =>
          threads > 1
            ? startExtractionWorkers({
                workers: threads,
                backend: backend.chosen,
                backbone: job.backbone,
              })
            : undefined,
      });
      loaded = { spec, engine: job.identity.engine, backbone, computer };
      return loaded;
    } catch (error) {
      backbone.dispose();
      throw error;
    }
  };

  /** A prediction shard: the classifier is loaded (once per digest) from the mapped path. */
  const processPredictJob = async (job: Job<PredictShardJob>) => {
    const data = job.data;
    const modelDir = mapPath(data.modelDir, mappings);
    const identity = await predictIdentityOf({ modelDir, backend: backend.chosen }).catch(
      (error: unknown) => {
        // Retried like an unreadable image (a mount may come back), then the run names it.
        throw new Error(
          `worker ${workerName()} cannot read the classifier ${data.modelDir}: ${describeUnreadablePath(data.modelDir, mappings, workerName())} (${(error as Error).message})`,
        );
      },
    );
    const mismatches = predictIdentityMismatches(identity, data.identity);
    if (mismatches.length > 0) {
      throw new UnrecoverableError(
        `worker ${workerName()} refuses shard ${data.shard}: its predictions would differ from the run's (${mismatches.join('; ')})`,
      );
    }
    if (
      loadedClassifier?.modelDir !== modelDir ||
      loadedClassifier.digest !== identity.classifier
    ) {
      await release();
      output.info(`loading classifier ${modelDir}…`);
      loadedClassifier = {
        modelDir,
        digest: identity.classifier,
        classifier: await loadRunClassifier({ modelDir }),
      };
    }
    const started = performance.now();
    const path = await computePredictShard({
      job: data,
      classifier: loadedClassifier.classifier,
      mappings,
      onProgress: (progress) => {
        job.updateProgress({ ...progress }).catch(() => undefined);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    output.info(
      `shard ${data.shard.slice(0, 12)}: ${data.files.length} images in ${seconds.toFixed(1)} s (${(data.files.length / seconds).toFixed(1)} images/s) → ${path}`,
    );
    return { path };
  };

  const processJob = async (job: Job<ShardJob | PredictShardJob>) => {
    if (job.data.format === predictJobFormat) {
      return processPredictJob(job as Job<PredictShardJob>);
    }
    const data = job.data as ShardJob;
    if (data.format !== shardJobFormat) {
      throw new UnrecoverableError(
        `worker ${workerName()} reads ${shardJobFormat} and ${predictJobFormat} jobs, not ${String(data.format)}: run the same graft version everywhere`,
      );
    }
    if (loadedClassifier !== undefined) await release();
    const { backbone, computer } = await load(data);
    const identity = await featureIdentityOf({
      backbone,
      engine: computer?.engine?.name ?? 'tfjs',
      backend: backend.chosen,
    });
    const mismatches = identityMismatches(identity, data.identity);
    if (mismatches.length > 0) {
      throw new UnrecoverableError(
        `worker ${workerName()} refuses shard ${data.shard}: its features would differ from the run's (${mismatches.join('; ')})`,
      );
    }
    const started = performance.now();
    const path = await computeShard({
      job: data,
      backbone,
      mappings,
      ...(computer ? { featureComputer: computer } : {}),
      onProgress: (progress) => {
        job.updateProgress({ ...progress }).catch(() => undefined);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    output.info(
      `shard ${data.shard.slice(0, 12)}: ${data.files.length} images in ${seconds.toFixed(1)} s (${(data.files.length / seconds).toFixed(1)} images/s) → ${path}`,
    );
    return { path };
  };

  const connection = await openRedis(url);
  reportConnection(connection, url, (message) => output.error(message));
  const worker = new Worker<ShardJob | PredictShardJob>(featureQueueName, processJob, {
    connection,
    concurrency: 1,
    lockDuration: stalledMs,
    stalledInterval: stalledMs,
    // A shard may stall twice (two workers killed) before it fails the run.
    maxStalledCount: 2,
    name: workerName(),
  });
  worker.on('failed', (job, error) => {
    output.error(`graft: shard ${job?.data.shard.slice(0, 12) ?? '?'} failed: ${error.message}`);
  });
  worker.on('error', () => undefined);
  output.info(
    `worker ${workerName()} (${backend.chosen}${mappings.length > 0 ? `; ${mappings.map((mapping) => `${mapping.from} → ${mapping.to}`).join(', ')}` : ''}) waiting for jobs on ${describeQueueUrl(url)} (queue ${featureQueueName}); Ctrl-C stops it`,
  );
  try {
    await new Promise<void>((resolve) => {
      if (options.signal?.aborted) resolve();
      options.signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    await worker.close();
    await release();
    connection.disconnect();
  }
}
