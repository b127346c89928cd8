import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Callback, TrainLogs } from '@graft/core';

/** Options of {@link jsonLinesLogger}. */
export interface JsonLinesLoggerOptions {
  /** File to append to (created with its directory). */
  path: string;
  /** Also write one line per batch. Default `false`. */
  batches?: boolean;
}

/**
 * Appends one JSON object per epoch (`{"event":"epoch","epoch":0,"loss":…}`) to a JSONL file.
 * Each line is one `appendFile` call, so a resumed run appends after the lines already there
 * and a crash never leaves a half-written line inside the file (at worst, at its end).
 */
export function jsonLinesLogger(options: JsonLinesLoggerOptions): Callback {
  const write = async (record: Record<string, unknown>) => {
    await mkdir(dirname(options.path), { recursive: true });
    await appendFile(options.path, `${JSON.stringify(record)}\n`);
  };
  return {
    name: 'jsonl-logger',
    async onEpochEnd(epoch: number, logs: TrainLogs, context) {
      await write({
        event: 'epoch',
        epoch,
        step: context.step,
        time: new Date().toISOString(),
        ...logs,
      });
    },
    ...(options.batches
      ? {
          async onBatchEnd(batch: number, logs: TrainLogs, context) {
            await write({
              event: 'batch',
              epoch: context.epoch,
              batch,
              step: context.step,
              ...logs,
            });
          },
        }
      : {}),
    async onTrainEnd(logs: TrainLogs, context) {
      const reason = context.control.stopReason;
      await write({
        event: 'end',
        epoch: context.epoch,
        step: context.step,
        ...(reason ? { stopReason: reason } : {}),
        ...logs,
      });
    },
  };
}

/** Options of {@link csvLogger}. */
export interface CsvLoggerOptions {
  /** File to append to (created with its directory). */
  path: string;
}

/**
 * Appends one row per epoch to a CSV file (Keras's `CSVLogger` with `append=True`). The header
 * is written when the file is new; when appending to an existing file, its header fixes the
 * columns (new metrics are left out rather than shifting columns).
 */
export function csvLogger(options: CsvLoggerOptions): Callback {
  let columns: string[] | undefined;
  return {
    name: 'csv-logger',
    async onTrainBegin() {
      columns = await readHeader(options.path);
    },
    async onEpochEnd(epoch: number, logs: TrainLogs) {
      await mkdir(dirname(options.path), { recursive: true });
      if (columns === undefined) {
        columns = ['epoch', ...Object.keys(logs).sort()];
        await appendFile(options.path, `${columns.map(quote).join(',')}\n`);
      }
      const row = columns.map((column) =>
        column === 'epoch' ? String(epoch) : logs[column] === undefined ? '' : String(logs[column]),
      );
      await appendFile(options.path, `${row.map(quote).join(',')}\n`);
    },
  };
}

async function readHeader(path: string): Promise<string[] | undefined> {
  try {
    const text = await readFile(path, 'utf8');
    const header = text.split('\n', 1)[0];
    return header ? header.split(',').map((cell) => cell.replace(/^"|"$/g, '')) : undefined;
  } catch {
    return undefined;
  }
}

function quote(cell: string): string {
  return /[",\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}
