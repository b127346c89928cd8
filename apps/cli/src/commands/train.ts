import { isSentenceEncoderName } from '@graft/backbones';
import type { Command } from 'commander';
import { parseFolds } from '../folds/fold-plan.js';
import { runFolds } from '../folds/run-folds.js';
import type { CommandOutput } from '../output.js';
import { parseExtractionWorkers } from '../pipeline/extraction-workers.js';
import { engineOption, parseFeatureEngine } from '../pipeline/feature-engine.js';
import { parseNumberFlag } from '../pipeline/load-loss-terms.js';
import { addMultiLabelFlags } from '../pipeline/multi-label-flags.js';
import { runTraining } from '../pipeline/run-training.js';
import { parseTrainingWorkers } from '../pipeline/training-workers.js';
import { addQueueFlags, queueSettingsFrom } from '../queue/queue-flags.js';
import { checkQueueConfig } from '../queue/queued-features.js';
import { refuseImageOnlyFlags } from '../text/refuse-image-only-flags.js';
import { runTextTraining } from '../text/run-text-training.js';
import { trainConfigFrom } from './train-config-from-flags.js';
import { addTrainingFlags, type TrainFlags } from './training-flags.js';

export { backboneLabel, trainConfigFrom } from './train-config-from-flags.js';
export { addTrainingFlags, type TrainFlags } from './training-flags.js';

/** `graft train <data>`: trains a classifier and writes a run directory. */
export function registerTrainCommand(program: Command, output: CommandOutput): void {
  const command = program
    .command('train')
    .description(
      'train a classifier on an image folder (train/ val/, or class folders with --split) or cifar10/cifar100',
    )
    .argument('[data]', 'image folder, or cifar10 / cifar100 (may come from --config)')
    .option('-c, --config <file>', 'JSON or YAML file of the options below (flags override it)')
    .option(
      '--split <fractions>',
      'train,val[,test] fractions for a folder without val/ (default 0.8,0.1,0.1)',
    )
    .option(
      '--split-manifest <file>',
      "train on exactly the files of a split manifest (a run's split-manifest.json), resolved against <data>",
    )
    .option(
      '--extraction-workers <n>',
      'threads computing frozen features, each with its own backbone and memory (default auto: one per CPU on wasm/cpu; 1 = this thread)',
    )
    .option(
      '--training-workers <n>',
      'fine-tuning: threads computing gradients, each with a replica of the model and its own memory (default auto: one per CPU on wasm/cpu; 1 = this thread)',
    )
    .option(
      '--coral-target <dir>',
      'Deep CORAL: folder of unlabelled target-domain images whose statistics the head aligns to',
    )
    .option('--coral-weight <w>', 'weight of the CORAL term (default 1)')
    .option(
      '--folds <k>',
      'stratified k-fold cross-validation: <out>/fold-1 … fold-k runs and the mean ± std in <out>/cv-summary.json',
    )
    .option(...engineOption)
    .option(
      '--line-per-example',
      'text data (--backbone use-lite): each non-empty line of a .txt file is one example (default: one per file)',
    );
  addQueueFlags(command);
  addMultiLabelFlags(command);
  addTrainingFlags(command).action(async (data: string | undefined, flags: TrainFlags) => {
    const config = await trainConfigFrom(data, flags);
    const folds = parseFolds(flags.folds);
    // A text encoder as --backbone: text data (folder of .txt, CSV or JSONL), own small pipeline.
    if (isSentenceEncoderName(config.backbone)) {
      refuseImageOnlyFlags(flags, config.backbone);
      process.exitCode = await runTextTraining({
        config,
        output,
        overwrite: flags.overwrite === true,
        linePerExample: flags.linePerExample === true,
        featureCache: flags.cache !== false,
        folds,
      });
      return;
    }
    const queue = queueSettingsFrom(flags);
    if (queue) checkQueueConfig(config, folds);
    // With --queue the workers extract: no local extraction threads unless asked for.
    const extractionWorkers = parseExtractionWorkers(
      flags.extractionWorkers ?? (queue ? '1' : undefined),
    );
    const trainingWorkers = parseTrainingWorkers(flags.trainingWorkers);
    const engine = parseFeatureEngine(flags.engine);
    const coralWeight = parseNumberFlag('--coral-weight', flags.coralWeight);
    const lossTerms =
      flags.coralTarget !== undefined || coralWeight !== undefined
        ? {
            ...(flags.coralTarget !== undefined ? { coralTarget: flags.coralTarget } : {}),
            ...(coralWeight !== undefined ? { coralWeight } : {}),
          }
        : undefined;
    if (folds !== undefined) {
      process.exitCode = await runFolds({
        config,
        folds,
        output,
        extractionWorkers,
        trainingWorkers,
        engine,
        ...(lossTerms ? { lossTerms } : {}),
        overwrite: flags.overwrite === true,
      });
      return;
    }
    process.exitCode = await runTraining({
      config,
      output,
      extractionWorkers,
      trainingWorkers,
      engine,
      ...(lossTerms ? { lossTerms } : {}),
      overwrite: flags.overwrite === true,
      featureCache: flags.cache !== false,
      ...(queue ? { queue } : {}),
    });
  });
}
