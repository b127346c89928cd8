import { formatTable } from '../format-table.js';
import type { CommandOutput } from '../output.js';
import type { MetricSummary } from './summarize-folds.js';

/** What {@link printFoldSummary} prints: cv-summary.json's content and where it is. */
export interface FoldSummary {
  /** Number of folds. */
  folds: number;
  /** Metrics by name, with mean, std and each fold's value. */
  metrics: Record<string, MetricSummary>;
  /** The cv-summary.json written. */
  file: string;
}

/**
 * Prints the summary as a table (metric, mean ± std, one column per fold), or as JSON with
 * --json. Per-class rows are printed with --verbose only (the JSON file always has them).
 */
export function printFoldSummary(output: CommandOutput, summary: FoldSummary): void {
  if (output.json) {
    output.result(JSON.stringify(summary, null, 2));
    return;
  }
  const format = (value: number | null) => (value === null ? '-' : value.toFixed(4));
  const rows = Object.entries(summary.metrics)
    .filter(([name]) => output.isVerbose || !name.includes('.perClass.'))
    .map(([name, metric]) => [
      name,
      `${format(metric.mean)} ± ${format(metric.std)}`,
      ...metric.values.map(format),
    ]);
  const folds = Array.from({ length: summary.folds }, (_, index) => `fold ${index + 1}`);
  output.result(formatTable(['metric', 'mean ± std', ...folds], rows));
  output.result(
    `${summary.folds}-fold summary (per-class metrics too${output.isVerbose ? '' : '; --verbose prints them'}): ${summary.file}`,
  );
}
