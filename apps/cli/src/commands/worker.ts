import type { Command } from 'commander';
import { parseInteger } from '../config/parse-values.js';
import { exitCodes } from '../exit-codes.js';
import { withInterruptSignal } from '../interrupt/interrupt-signal.js';
import type { CommandOutput } from '../output.js';
import { parsePathMappings } from '../queue/path-mapping.js';
import { parseQueueUrl } from '../queue/queue-connection.js';

interface WorkerFlags {
  queue?: string;
  stalledSeconds?: string;
  extractionWorkers?: string;
  mapPath: string[];
}

/**
 * `graft worker --queue redis://host:6379`: computes the frozen features (shards) that
 * `graft train --queue` enqueues and the prediction shards of `graft predict --queue`, until
 * Ctrl-C or SIGTERM.
 */
export function registerWorkerCommand(program: Command, output: CommandOutput): void {
  program
    .command('worker')
    .description(
      'compute the feature-extraction and prediction shards that `graft train --queue` and `graft predict --queue` enqueue on Redis (BullMQ), until Ctrl-C',
    )
    .requiredOption(
      '--queue <url>',
      'Redis server: redis://host:6379, rediss://user:password@host:6380/0 (credentials stay in this process)',
    )
    .option(
      '--stalled-seconds <n>',
      'seconds without a lock renewal before a shard counts as stalled and goes to another worker (default 30)',
    )
    .option(
      '--extraction-workers <n>',
      'threads computing features in this process (default 1: run one worker process per core instead)',
    )
    .option(
      '--map-path <from=to>',
      'a folder jobs name (as the machine running graft train/predict sees it) is at <to> on this worker; repeatable, the longest match wins',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .action(async (flags: WorkerFlags) => {
      const url = parseQueueUrl(flags.queue ?? '');
      const mappings = parsePathMappings(flags.mapPath);
      const stalledSeconds =
        flags.stalledSeconds === undefined
          ? 30
          : parseInteger('--stalled-seconds', flags.stalledSeconds, { minimum: 1 });
      const extractionWorkers =
        flags.extractionWorkers === undefined
          ? 1
          : parseInteger('--extraction-workers', flags.extractionWorkers, { minimum: 1 });
      // Loaded only when the command runs: other commands never import BullMQ.
      const { runWorker } = await import('../queue/run-worker.js');
      await withInterruptSignal((signal) =>
        runWorker({ url, output, stalledSeconds, extractionWorkers, mappings, signal }),
      );
      process.exitCode = exitCodes.success;
    });
}
