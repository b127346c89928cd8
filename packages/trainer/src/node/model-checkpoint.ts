import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Callback,
  type CallbackContext,
  InvalidArgumentError,
  type TrainLogs,
} from '@graft/core';
import { writeFileAtomic } from '@graft/core/node';
import { improves, type MonitorMode, resolveMode } from '../callbacks/monitor.js';
import { isTrainerContext } from '../callbacks/trainer-context.js';
import { writeCheckpoint } from './checkpoint-files.js';

/** Options of {@link modelCheckpoint}. */
export interface ModelCheckpointOptions {
  /** Directory holding `last/`, `epoch-NNNN/` directories and `checkpoints.json`. */
  directory: string;
  /** Metric ranking checkpoints. Default `val_loss` (or `loss` when it is not logged). */
  monitor?: string;
  /** `min`, `max` or `auto` (by the metric's name). Default `auto`. */
  mode?: MonitorMode;
  /** Keep the best `k` epochs' checkpoints (0 keeps none). Default 1. */
  saveBestK?: number;
  /** Also write `last/` after every epoch, for resuming. Default `true`. */
  saveLast?: boolean;
}

/** One kept checkpoint. */
export interface CheckpointRecord {
  /** 0-based epoch. */
  epoch: number;
  /** Monitored value. */
  value: number;
  /** Directory name inside the checkpoint directory. */
  name: string;
}

/** The callback returned by {@link modelCheckpoint}. */
export interface ModelCheckpoint extends Callback {
  /** Kept checkpoints, best first. */
  readonly best: readonly CheckpointRecord[];
}

/**
 * Saves training checkpoints (weights, optimiser, schedule, random state, epoch, history) after
 * each epoch: `last/` always (resume from it with `readCheckpoint`), and the best `saveBestK`
 * epochs by `monitor` as `epoch-NNNN/`, deleting ones that fall out. `checkpoints.json` lists
 * them, best first. Every file is written atomically.
 */
export function modelCheckpoint(options: ModelCheckpointOptions): ModelCheckpoint {
  const saveBestK = options.saveBestK ?? 1;
  if (!(Number.isInteger(saveBestK) && saveBestK >= 0)) {
    throw new InvalidArgumentError({
      argument: 'saveBestK',
      value: saveBestK,
      expected: 'must be an integer >= 0',
    });
  }
  const saveLast = options.saveLast ?? true;
  let best: CheckpointRecord[] = [];
  return {
    name: 'model-checkpoint',
    get best() {
      return best;
    },
    async onTrainBegin() {
      best = await readIndex(options.directory);
    },
    async onEpochEnd(epoch: number, logs: TrainLogs, context: CallbackContext) {
      if (!isTrainerContext(context)) {
        throw new InvalidArgumentError({
          argument: 'callbacks',
          value: 'modelCheckpoint',
          expected: "must be used with @graft/trainer's train()",
        });
      }
      const monitor = options.monitor ?? (logs.val_loss !== undefined ? 'val_loss' : 'loss');
      const mode = resolveMode(monitor, options.mode);
      const value = logs[monitor];
      const checkpoint = await context.checkpoint();
      if (saveLast) await writeCheckpoint(join(options.directory, 'last'), checkpoint);
      if (saveBestK === 0 || value === undefined || !Number.isFinite(value)) return;
      const worst = best[best.length - 1];
      if (best.length >= saveBestK && worst && !improves(value, worst.value, mode)) return;
      const name = `epoch-${String(epoch).padStart(4, '0')}`;
      await writeCheckpoint(join(options.directory, name), checkpoint);
      best = [...best.filter((record) => record.name !== name), { epoch, value, name }].sort(
        (a, b) => (mode === 'min' ? a.value - b.value : b.value - a.value),
      );
      const dropped = best.slice(saveBestK);
      best = best.slice(0, saveBestK);
      await writeFileAtomic(
        join(options.directory, 'checkpoints.json'),
        `${JSON.stringify({ monitor, mode, best }, null, 2)}\n`,
      );
      for (const record of dropped) {
        await rm(join(options.directory, record.name), { recursive: true, force: true });
      }
    },
  };
}

async function readIndex(directory: string): Promise<CheckpointRecord[]> {
  try {
    const index = JSON.parse(await readFile(join(directory, 'checkpoints.json'), 'utf8')) as {
      best?: CheckpointRecord[];
    };
    const present = new Set(await readdir(directory));
    return (index.best ?? []).filter((record) => present.has(record.name));
  } catch {
    return [];
  }
}
