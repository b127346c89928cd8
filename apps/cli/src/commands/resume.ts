import type { Command } from 'commander';
import { resolveTrainConfig, type TrainConfig } from '../config/train-config.js';
import { exitCodes } from '../exit-codes.js';
import type { CommandOutput } from '../output.js';
import { loadLastCheckpoint, removeStaleFiles } from '../pipeline/checkpoints.js';
import { parseExtractionWorkers } from '../pipeline/extraction-workers.js';
import { isFinished } from '../pipeline/final-save.js';
import type { LossTermSettings } from '../pipeline/load-loss-terms.js';
import { runTraining } from '../pipeline/run-training.js';
import { openRunDirectory, readJson, writeJson } from '../run/run-directory.js';

/** `graft resume <run>`: continues an interrupted run from its last checkpoint. */
export function registerResumeCommand(program: Command, output: CommandOutput): void {
  program
    .command('resume')
    .description('continue an interrupted graft train run from its last checkpoint')
    .argument('<run>', 'run directory')
    .option('--epochs <n>', "train up to this many epochs in total (default: the run's)")
    .option(
      '--extraction-workers <n>',
      'feature-extraction threads: a number or auto (default auto)',
    )
    .action(async (runPath: string, flags: { epochs?: string; extractionWorkers?: string }) => {
      const run = await openRunDirectory(runPath);
      const saved = await readJson<
        TrainConfig & { graftVersion?: string; createdAt?: string; lossTerms?: LossTermSettings }
      >(run.configFile, 'config.json');
      // Loss terms (teacher, CORAL target) are rebuilt from config.json: resuming a distilled
      // run without its teacher would silently train a different objective.
      const { graftVersion: _version, createdAt: _created, lossTerms, ...file } = saved;
      const config = resolveTrainConfig({
        file: { ...file, out: run.root },
        flags: { epochs: flags.epochs },
        defaults: { backbone: saved.backbone, out: () => run.root },
      });
      await removeStaleFiles(run, output);
      const resume = await loadLastCheckpoint(run);
      const done = resume.manifest.epoch;
      const stopped = resume.manifest.stopReason;
      const moreEpochs = stopped === undefined && config.epochs > done;
      if (!moreEpochs && (await isFinished(run, done))) {
        // A finished run is left exactly as it is: resuming must never replace its model.
        output.info(
          `${run.name} is finished: ${done} epochs${stopped ? ` (${stopped})` : ''}; nothing to do.${
            stopped ? '' : ` Pass --epochs <n> (more than ${done}) to train further.`
          }`,
        );
        process.exitCode = exitCodes.success;
        return;
      }
      if (moreEpochs && flags.epochs !== undefined && config.epochs !== saved.epochs) {
        // So a later `graft resume` without --epochs continues to the new total.
        await writeJson(run.configFile, { ...saved, epochs: config.epochs });
      }
      output.info(
        done >= config.epochs || stopped !== undefined
          ? `resuming ${run.name}: all ${done} epochs are done; finishing the final save`
          : `resuming ${run.name} after epoch ${done} of ${config.epochs}`,
      );
      process.exitCode = await runTraining({
        config,
        output,
        resume,
        ...(flags.extractionWorkers !== undefined
          ? { extractionWorkers: parseExtractionWorkers(flags.extractionWorkers) }
          : {}),
        ...(lossTerms ? { lossTerms } : {}),
      });
    });
}
