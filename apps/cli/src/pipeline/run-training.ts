import { resolve } from 'node:path';
import { getBackboneDescriptor } from '@graft/backbones';
import { isModelFileReference } from '../config/backbone-reference.js';
import { exitCodes } from '../exit-codes.js';
import { estimateRunBytes } from '../run/estimate-run-bytes.js';
import { prepareRunOutput } from '../run/replace-run.js';
import { lockRun } from '../run/run-lock.js';
import { checkFreeSpace, toStorageError } from '../run/storage-errors.js';
import { checkOutputPath } from './check-training-inputs.js';
import { multiLabelSourceOf } from './load-multi-label-data.js';
import type { RunTrainingOptions } from './run-training-options.js';
import { trainIntoRun } from './train-into-run.js';
import { checkTrainingBackbone, trainingBackboneSpec } from './training-backbone.js';

export type { RecordedWeights } from './check-same-weights.js';
export type { RunTrainingOptions } from './run-training-options.js';
export { printSummary, type TrainingSummary } from './training-summary.js';

/**
 * Trains as `config` says and writes the run directory: config.json once the backbone is loaded
 * (with the weights actually loaded, and so that an interrupted run can be resumed), logs and
 * checkpoints each epoch, then the model and report.json. Returns the exit code (130 after
 * Ctrl-C or SIGTERM, with a resumable checkpoint on disk).
 *
 * The run is locked for the whole process (a second one fails at once naming this pid); a new
 * run refuses an existing one unless `overwrite`, and then the old run is only deleted once the
 * new one is saved (put back if it fails); free space is checked first, and a refused write
 * (disk full, read-only, no permission) is an error naming the path.
 */
export async function runTraining(options: RunTrainingOptions): Promise<number> {
  const { config, output } = options;
  const started = performance.now();
  const backboneSpec = trainingBackboneSpec(config);
  // A multi-label CSV with a softmax head (or the reverse) fails before anything loads.
  multiLabelSourceOf(config);
  // Check names and files before anything is locked, loaded or written, so a typo or a wrong
  // file fails at once.
  await checkTrainingBackbone(backboneSpec);
  const parameterCount = isModelFileReference(backboneSpec.backbone)
    ? undefined
    : getBackboneDescriptor(backboneSpec.backbone).parameterCount;
  const root = resolve(config.out);
  // A file where the run (or its lock, beside it) must go is a usage error, not a failed mkdir.
  await checkOutputPath(config.out);
  const lock = await lockRun({
    root,
    command: options.command ?? (options.resume ? 'graft resume' : 'graft train'),
    onLost: (error) =>
      output.error(
        `graft: warning: lost the lock of ${root} (${error.message}); another process may write into this run.`,
      ),
  });
  try {
    const replaced = options.resume
      ? undefined
      : await prepareRunOutput({ root, overwrite: options.overwrite ?? false });
    for (const leftover of replaced?.leftovers ?? []) {
      output.info(
        `note: ${leftover} holds a run that an earlier --overwrite of ${root} moved aside and never finished replacing; move it back or delete it`,
      );
    }
    if (replaced?.replacedUnstarted) {
      output.info(`starting anew in ${root}: the run there never saved a checkpoint`);
    }
    if (replaced?.previous) {
      output.info(
        `replacing the run in ${root} (kept in ${replaced.previous} until this one is saved)`,
      );
    }
    let code: number;
    try {
      await checkFreeSpace({
        directory: root,
        requiredBytes: estimateRunBytes({
          parameterCount,
          mode: config.mode,
          checkpointsKept: config.keepCheckpoints + config.keepBestCheckpoints,
        }),
        what: `this run (${config.backbone} ${config.mode}: model and checkpoints)`,
      });
      code = await trainIntoRun(options, started, backboneSpec);
    } catch (error) {
      if (replaced?.previous) {
        await replaced.restore().then(
          () => output.error(`graft: the previous run is back in ${root}.`),
          () =>
            output.error(
              `graft: the previous run could not be moved back; it is in ${replaced.previous}.`,
            ),
        );
      }
      throw toStorageError(error, root);
    }
    if (replaced?.previous) {
      if (code === exitCodes.success) {
        await replaced.commit();
      } else {
        output.error(
          `graft: the run this one replaces is kept in ${replaced.previous}; delete it once you no longer need it.`,
        );
      }
    }
    return code;
  } finally {
    await lock.release();
  }
}
