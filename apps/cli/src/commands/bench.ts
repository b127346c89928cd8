import { createBackbone } from '@graft/backbones';
import * as tf from '@tensorflow/tfjs-core';
import type { Command } from 'commander';
import { parseInteger } from '../config/parse-values.js';
import { formatTable } from '../format-table.js';
import type { CommandOutput } from '../output.js';
import { defaultBackboneName } from '../pipeline/defaults.js';
import { selectBackend } from '../pipeline/select-backend.js';

interface BenchFlags {
  backbone: string;
  batchSize: string;
  iterations: string;
}

/**
 * `graft bench`: how fast this machine runs a backbone on the chosen backend (inference
 * images/s, the cost of feature extraction), after one warm-up call. The repository's
 * `pnpm bench` has the full benchmark suite.
 */
export function registerBenchCommand(program: Command, output: CommandOutput): void {
  program
    .command('bench')
    .description('measure backbone inference speed (images/s) on the chosen backend')
    .option('--backbone <name>', 'registered backbone', defaultBackboneName)
    .option('--batch-size <n>', 'images per call', '16')
    .option('--iterations <n>', 'timed calls after one warm-up', '3')
    .action(async (flags: BenchFlags) => {
      const batchSize = parseInteger('--batch-size', flags.batchSize, { minimum: 1, maximum: 512 });
      const iterations = parseInteger('--iterations', flags.iterations, { minimum: 1 });
      const backend = await selectBackend();
      // Random weights: speed does not depend on their values, and nothing is downloaded.
      const backbone = await createBackbone(flags.backbone, { pretrained: false, seed: 0 });
      try {
        const [height, width] = backbone.preprocessing.inputSize;
        const input = tf.randomUniform([batchSize, height, width, 3], -1, 1, 'float32', 0);
        const run = async () => {
          const features = backbone.model.predict(input) as tf.Tensor;
          await features.data();
          features.dispose();
        };
        await run();
        const seconds: number[] = [];
        for (let index = 0; index < iterations; index++) {
          const started = performance.now();
          await run();
          seconds.push((performance.now() - started) / 1000);
        }
        input.dispose();
        const median = [...seconds].sort((a, b) => a - b)[Math.floor(seconds.length / 2)] ?? 0;
        const result = {
          backend: backend.chosen,
          backbone: backbone.name,
          inputSize: [height, width],
          batchSize,
          iterations,
          medianSecondsPerBatch: median,
          imagesPerSecond: batchSize / median,
        };
        if (output.json) {
          output.result(JSON.stringify(result, null, 2));
          return;
        }
        output.result(
          formatTable(
            ['backend', 'backbone', 'batch', 's/batch (median)', 'images/s'],
            [
              [
                result.backend,
                result.backbone,
                batchSize,
                median.toFixed(3),
                result.imagesPerSecond.toFixed(1),
              ],
            ],
          ),
        );
      } finally {
        backbone.dispose();
      }
    });
}
