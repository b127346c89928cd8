import { join } from 'node:path';
import type { Command } from 'commander';
import type { TrainConfig } from '../config/train-config.js';
import { resolveDemoData } from '../data/resolve-demo-data.js';
import type { CommandOutput } from '../output.js';
import { engineOption, parseFeatureEngine } from '../pipeline/feature-engine.js';
import { runTraining } from '../pipeline/run-training.js';
import { addTrainingFlags, trainConfigFrom } from './train.js';

/**
 * The demo's recipe: MobileNetV2 1.0 ImageNet features (frozen), linear softmax head. Features
 * are computed once, so extra head epochs cost milliseconds; Adam at 3e-3 settles by epoch ~12
 * (val accuracy 0.935 on ants/bees, the reference linear-probe figure).
 */
export const demoDefaults = {
  backbone: 'mobilenet_v2_1.0_224',
  mode: 'feature-extraction',
  epochs: '20',
  lr: '0.003',
  // Report the last epoch, not the epoch that scored best on the very set being reported.
  keepBest: false,
  out: join('runs', 'demo'),
} as const;

/** The demo's options: its recipe, overridden by the flags given. */
export function demoConfigFrom(
  dataPath: string,
  flags: Record<string, string | boolean | undefined>,
): Promise<TrainConfig> {
  // commander sets keepBest to true unless --no-keep-best is given: only `false` is a choice.
  const given = Object.entries(flags).filter(
    ([key, value]) => value !== undefined && !(key === 'keepBest' && value === true),
  );
  return trainConfigFrom(dataPath, { ...demoDefaults, ...Object.fromEntries(given) });
}

/**
 * Whether the demo replaces the run already in its output folder: its own `runs/demo` yes (the
 * README's main command must work every time; the old run is kept until the new one is saved),
 * a folder the user chose with `--out` only with `--overwrite`, as for `graft train`.
 */
export function demoReplacesRun(flags: Record<string, string | boolean | undefined>): boolean {
  return flags.overwrite === true || flags.out === undefined;
}

/** `graft demo`: the README's main job. */
export function registerDemoCommand(program: Command, output: CommandOutput): void {
  const command = program
    .command('demo')
    .description(
      'train MobileNetV2 on the ants/bees set (downloaded, or found in GRAFT_DATA_DIR / GRAFT_SHARED_DIR / the mirror) and print validation accuracy',
    )
    .option(...engineOption);
  addTrainingFlags(command).action(async (flags: Record<string, string | boolean | undefined>) => {
    const progress = output.progress();
    let downloading = false;
    const data = await resolveDemoData({
      onProgress: ({ fileName, receivedBytes, totalBytes }) => {
        if (!downloading) {
          downloading = true;
          progress.start({ label: `downloading ${fileName}`, total: totalBytes ?? 0, unit: 'B' });
        }
        progress.update(receivedBytes);
      },
    });
    if (downloading) progress.stop('downloaded the ants/bees archive');
    output.info(`ants/bees data: ${data.path} (${data.origin})`);
    const config = await demoConfigFrom(data.path, flags);
    process.exitCode = await runTraining({
      config,
      output,
      overwrite: demoReplacesRun(flags),
      command: 'graft demo',
      featureCache: flags.cache !== false,
      engine: parseFeatureEngine(flags.engine as string | undefined),
    });
  });
}
