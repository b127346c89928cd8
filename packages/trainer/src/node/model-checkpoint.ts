import { readdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type CallbackContext, InvalidArgumentError, type TrainLogs } from '@graft/core';
import { writeFileAtomic } from '@graft/core/node';
import { type MonitorMode, resolveMode } from '../callbacks/monitor.js';
import {
  type CallbackState,
  isTrainerContext,
  type TrainerCallback,
} from '../callbacks/trainer-context.js';
import { removeIncompleteCheckpoints, writeCheckpoint } from './checkpoint-files.js';
import { crashPoint } from './crash-point.js';
import { latestCheckpointDirectory, writeLatestPointer } from './latest-checkpoint.js';

/** Options of {@link modelCheckpoint}. */
export interface ModelCheckpointOptions {
  /**
   * Directory holding `epoch-NNNN/` folders, the `latest` pointer and `checkpoints.json`; it
   * belongs to this run: folders past the epoch training starts at are deleted at its start.
   */
  directory: string;
  /** Metric ranking checkpoints. Default `val_loss` (or `loss` when it is not logged). */
  monitor?: string;
  /** `min`, `max` or `auto` (by the metric's name). Default `auto`. */
  mode?: MonitorMode;
  /** Keep the best `k` epochs' checkpoints (0 keeps none). Default 1. */
  saveBestK?: number;
  /** Write a checkpoint after every epoch and point `latest` at it, for resuming. Default `true`. */
  saveLast?: boolean;
  /**
   * With `saveLast`: how many of the newest checkpoints to keep (at least 1; older ones are
   * deleted once a newer one is complete, unless they are among the best). Default 2.
   */
  keepLast?: number;
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
export interface ModelCheckpoint extends TrainerCallback {
  /** Kept checkpoints, best first. */
  readonly best: readonly CheckpointRecord[];
}

/** `epoch-0007`: the checkpoint taken after 7 completed epochs. */
export function checkpointName(completedEpochs: number): string {
  return `epoch-${String(completedEpochs).padStart(4, '0')}`;
}

const checkpointNamePattern = /^epoch-(\d+)$/;

/**
 * Saves training checkpoints (weights, optimiser, schedule, random state, epoch, history and
 * every stateful callback's state) after each epoch. Each checkpoint is one folder,
 * `epoch-NNNN/` (NNNN epochs completed), written whole under a temporary name and renamed into
 * place; only then is the `latest` pointer replaced (resume with `readLatestCheckpoint`) and
 * older folders pruned: the newest `keepLast`, and the best `saveBestK` by `monitor` (listed in
 * `checkpoints.json`, best first), stay. A crash at any instant leaves the previous checkpoint
 * usable. Put it after the callbacks whose state it saves: it captures their state as of its
 * own `onEpochEnd`.
 */
export function modelCheckpoint(options: ModelCheckpointOptions): ModelCheckpoint {
  const saveBestK = options.saveBestK ?? 1;
  const keepLast = options.keepLast ?? 2;
  for (const [argument, value, minimum] of [
    ['saveBestK', saveBestK, 0],
    ['keepLast', keepLast, 1],
  ] as const) {
    if (!(Number.isInteger(value) && value >= minimum)) {
      throw new InvalidArgumentError({
        argument,
        value,
        expected: `must be an integer >= ${minimum}`,
      });
    }
  }
  const saveLast = options.saveLast ?? true;
  let best: CheckpointRecord[] = [];
  return {
    name: 'model-checkpoint',
    get best() {
      return best;
    },
    async onTrainBegin(context: CallbackContext) {
      await removeIncompleteCheckpoints(options.directory);
      // Folders past the epoch this run starts at belong to a future it will redo (a crash
      // after the rename, before `latest` moved): remove them so none is mistaken for current.
      for (const name of await checkpointFolders(options.directory)) {
        if (epochOf(name) > context.epoch) {
          await rm(join(options.directory, name), { recursive: true, force: true });
        }
      }
      best = await readIndex(options.directory);
    },
    getState(): CallbackState {
      return { values: { best: best.map((record) => ({ ...record })) } };
    },
    setState(state: CallbackState) {
      best = Array.isArray(state.values.best)
        ? (state.values.best as unknown as CheckpointRecord[])
        : [];
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
      const name = checkpointName(epoch + 1);
      // Ranked before the checkpoint is taken, so the checkpoint's own state includes it.
      const ranked =
        saveBestK > 0 && value !== undefined && Number.isFinite(value)
          ? [...best.filter((record) => record.name !== name), { epoch, value, name }]
              .sort((a, b) => (mode === 'min' ? a.value - b.value : b.value - a.value))
              .slice(0, saveBestK)
          : best;
      const isBest = ranked.some((record) => record.name === name);
      if (!saveLast && !isBest) return;
      best = ranked;
      const checkpoint = await context.checkpoint();
      await writeCheckpoint(join(options.directory, name), checkpoint);
      if (saveLast) await writeLatestPointer(options.directory, name);
      if (saveBestK > 0) {
        await writeFileAtomic(
          join(options.directory, 'checkpoints.json'),
          `${JSON.stringify({ monitor, mode, best }, null, 2)}\n`,
        );
      }
      await prune(options.directory, { keepLast: saveLast ? keepLast : 0, best });
      crashPoint('checkpoint-pruned');
    },
  };
}

/** Deletes checkpoint folders that are neither among the newest `keepLast`, the best, nor `latest`. */
async function prune(
  directory: string,
  keep: { keepLast: number; best: readonly CheckpointRecord[] },
): Promise<void> {
  const folders = (await checkpointFolders(directory)).sort((a, b) => epochOf(b) - epochOf(a));
  const latest = await latestCheckpointDirectory(directory);
  const kept = new Set([
    ...folders.slice(0, keep.keepLast),
    ...keep.best.map((record) => record.name),
    ...(latest ? [basename(latest)] : []),
  ]);
  for (const name of folders) {
    if (!kept.has(name)) await rm(join(directory, name), { recursive: true, force: true });
  }
}

async function checkpointFolders(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isDirectory() && checkpointNamePattern.test(entry.name))
    .map((entry) => entry.name);
}

function epochOf(name: string): number {
  return Number(checkpointNamePattern.exec(name)?.[1] ?? Number.NaN);
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
