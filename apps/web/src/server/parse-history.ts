/** One epoch of a run's log: its number and every numeric metric (`loss`, `val_accuracy`, `lr` …). */
export interface EpochRecord {
  /** Epoch number as written in the log. */
  epoch: number;
  /** Numeric fields of the line. */
  metrics: Record<string, number>;
}

/** The parsed log: epochs in file order and how many lines were skipped. */
export interface ParsedHistory {
  epochs: EpochRecord[];
  /** Lines that were not valid JSON objects with a numeric `epoch` (partial or malformed). */
  skippedLines: number;
  /** Whether the log holds an `end` event (the trainer's JSONL logger writes one). */
  finished: boolean;
}

/**
 * Parses a JSONL epoch log. Accepts both layouts in use: the CLI's `logs/history.jsonl`
 * (`{"epoch":1,"loss":…}`) and the trainer's `jsonLinesLogger` (`{"event":"epoch",…}`; batch
 * lines are ignored, `end` marks the run finished). Bad lines (a half-written last line while
 * training, garbage) are skipped and counted, never fatal.
 */
export function parseHistory(text: string): ParsedHistory {
  const epochs: EpochRecord[] = [];
  let skippedLines = 0;
  let finished = false;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skippedLines++;
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      skippedLines++;
      continue;
    }
    const record = value as Record<string, unknown>;
    if (record.event === 'end') {
      finished = true;
      continue;
    }
    if (record.event !== undefined && record.event !== 'epoch') continue;
    if (typeof record.epoch !== 'number' || !Number.isFinite(record.epoch)) {
      skippedLines++;
      continue;
    }
    const metrics: Record<string, number> = {};
    for (const [key, field] of Object.entries(record)) {
      if (key !== 'epoch' && key !== 'step' && typeof field === 'number') metrics[key] = field;
    }
    epochs.push({ epoch: record.epoch, metrics });
  }
  return { epochs, skippedLines, finished };
}
