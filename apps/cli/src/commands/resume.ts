import { resolve } from 'node:path';
import type { Command } from 'commander';
import { resolveTrainConfig, type TrainConfig } from '../config/train-config.js';
import { exitCodes } from '../exit-codes.js';
import { isFoldedRun, resumeFolds } from '../folds/run-folds.js';
import type { CommandOutput } from '../output.js';
import { loadLastCheckpoint, removeStaleFiles } from '../pipeline/checkpoints.js';
import { parseExtractionWorkers } from '../pipeline/extraction-workers.js';
import { engineOption, parseFeatureEngine } from '../pipeline/feature-engine.js';
import { isFinished } from '../pipeline/final-save.js';
import type { LossTermSettings } from '../pipeline/load-loss-terms.js';
import { isCifarName } from '../pipeline/load-training-data.js';
import { type RecordedWeights, runTraining } from '../pipeline/run-training.js';
import { hasPreferredBackend, setPreferredBackend } from '../pipeline/select-backend.js';
import { noCacheOption } from '../pipeline/training-feature-cache.js';
import { parseTrainingWorkers } from '../pipeline/training-workers.js';
import { openRunDirectory, readJson, writeJson } from '../run/run-directory.js';
import { resumeTextRun } from '../text/resume-text-run.js';
import { readTextRunConfig } from '../text/text-run-config.js';

/** Flags of `graft resume`, as commander gives them. */
interface ResumeFlags {
  epochs?: string;
  extractionWorkers?: string;
  microBatch?: string;
  trainingWorkers?: string;
  engine?: string;
  /** `--no-cache` sets it to `false`. */
  cache?: boolean;
}

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
    .option(
      '--micro-batch <n>',
      'fine-tune: images per forward/backward pass (e.g. after running out of memory)',
    )
    .option(
      '--training-workers <n>',
      'fine-tuning gradient threads: a number or auto (default auto)',
    )
    .option(...engineOption)
    .option(...noCacheOption)
    .action(async function resumeRun(
      this: unknown,
      runPath: string,
      flags: ResumeFlags,
    ): Promise<void> {
      const run = await openRunDirectory(runPath);
      const textConfig = await readTextRunConfig(run);
      if (textConfig !== undefined) {
        const text = { run, saved: textConfig, output, epochs: flags.epochs };
        process.exitCode = await resumeTextRun(text);
        return;
      }
      // `graft train --folds`: each fold is a run of its own, resumed by this same action.
      if (await isFoldedRun(run)) {
        process.exitCode = await resumeFolds({
          run,
          output,
          ...(flags.epochs !== undefined ? { epochs: flags.epochs } : {}),
          ...(flags.extractionWorkers !== undefined
            ? { extractionWorkers: parseExtractionWorkers(flags.extractionWorkers) }
            : {}),
          ...(flags.trainingWorkers !== undefined
            ? { trainingWorkers: parseTrainingWorkers(flags.trainingWorkers) }
            : {}),
          engine: parseFeatureEngine(flags.engine),
          resolveConfig: (file) =>
            resolveTrainConfig({
              file: { ...file, data: resolve(run.root, String(file.data)), out: run.root },
              flags: { microBatch: flags.microBatch },
              defaults: { backbone: String(file.backbone), out: () => run.root },
            }),
          resumeFold: async (fold) => {
            await resumeRun(fold, flags);
            return Number(process.exitCode ?? exitCodes.success);
          },
        });
        return;
      }
      const saved = await readJson<
        TrainConfig & {
          graftVersion?: string;
          createdAt?: string;
          lossTerms?: LossTermSettings;
          backboneWeights?: RecordedWeights | null;
          backend?: string;
          engine?: string;
        }
      >(run.configFile, 'config.json');
      // The backend the run trained on (its kernels round differently), unless --backend or
      // GRAFT_BACKEND says otherwise; runs written before it was recorded pick as train does.
      if (saved.backend !== undefined && !hasPreferredBackend()) {
        setPreferredBackend(saved.backend);
        output.info(`backend ${saved.backend}, as the run was trained (--backend to change)`);
      }
      // Loss terms (teacher, CORAL target) are rebuilt from config.json: resuming a distilled
      // run without its teacher would silently train a different objective. The same holds for
      // the backbone weights: runTraining checks the file still has the recorded sha256.
      const {
        graftVersion: _version,
        createdAt: _created,
        lossTerms,
        backboneWeights,
        backend: _backend,
        engine: savedEngine,
        ...file
      } = saved;
      // The engine the run's features came from, unless --engine says otherwise.
      const engine =
        flags.engine === undefined && savedEngine !== undefined
          ? parseFeatureEngine(savedEngine)
          : parseFeatureEngine(flags.engine);
      if (flags.engine === undefined && savedEngine !== undefined) {
        output.info(`engine ${savedEngine}, as the run was trained (--engine to change)`);
      }
      // Paths are recorded relative to the run directory (older runs: absolute, unchanged here).
      const fromRun = (path: string) => resolve(run.root, path);
      const config = resolveTrainConfig({
        file: {
          ...file,
          ...(typeof file.data === 'string' && !isCifarName(file.data)
            ? { data: fromRun(file.data) }
            : {}),
          out: run.root,
        },
        flags: { epochs: flags.epochs, microBatch: flags.microBatch },
        defaults: { backbone: saved.backbone, out: () => run.root },
      });
      await removeStaleFiles(run, output);
      const resume = await loadLastCheckpoint(run);
      const done = resume.manifest.epoch;
      const stopped = resume.manifest.stopReason;
      // A staged unfreeze (--freeze-epochs) numbers its head epochs first, then `epochs` more.
      const totalEpochs = config.epochs + (config.mode === 'fine-tune' ? config.freezeEpochs : 0);
      const moreEpochs = stopped === undefined && totalEpochs > done;
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
        done >= totalEpochs || stopped !== undefined
          ? `resuming ${run.name}: all ${done} epochs are done; finishing the final save`
          : `resuming ${run.name} after epoch ${done} of ${totalEpochs}`,
      );
      process.exitCode = await runTraining({
        config,
        output,
        resume,
        ...(flags.extractionWorkers !== undefined
          ? { extractionWorkers: parseExtractionWorkers(flags.extractionWorkers) }
          : {}),
        ...(flags.trainingWorkers !== undefined
          ? { trainingWorkers: parseTrainingWorkers(flags.trainingWorkers) }
          : {}),
        engine,
        featureCache: flags.cache !== false,
        ...(backboneWeights !== undefined ? { recordedWeights: backboneWeights } : {}),
        ...(lossTerms
          ? {
              lossTerms: {
                ...lossTerms,
                ...(lossTerms.teacher !== undefined ? { teacher: fromRun(lossTerms.teacher) } : {}),
                ...(lossTerms.coralTarget !== undefined
                  ? { coralTarget: fromRun(lossTerms.coralTarget) }
                  : {}),
              },
            }
          : {}),
      });
    });
}
