/** One fold's report.json, as far as the summary reads it. */
export interface FoldReport {
  /** Epochs trained. */
  epochs?: number;
  /** The restored epoch (1-based), with --keep-best. */
  bestEpoch?: number;
  /** Evaluation on the held-out fold. */
  validation?: unknown;
  /** Evaluation on the test set. */
  test?: unknown;
}

/** Mean and spread of one metric over the folds. */
export interface MetricSummary {
  /** Mean over the folds that report it. */
  mean: number;
  /** Sample standard deviation (n − 1); 0 for a single value. */
  std: number;
  /** Each fold's value, in fold order (`null` where a fold does not report it). */
  values: Array<number | null>;
}

/** Report fields that are sizes or lists of examples, not metrics. */
const notMetrics = new Set(['count', 'support', 'confusionMatrix', 'misclassified', 'classNames']);

/**
 * Every numeric metric of the reports, named by its path (`validation.accuracy`,
 * `validation.topKAccuracy.5`, `test.perClass.cat.f1`, `epochs`, …), with mean and sample
 * standard deviation over the folds. Per-class entries are named by class, not position.
 */
export function summarizeFolds(reports: readonly FoldReport[]): Record<string, MetricSummary> {
  const perFold = reports.map((report) => {
    const metrics = new Map<string, number>();
    for (const key of ['epochs', 'bestEpoch'] as const) {
      const value = report[key];
      if (typeof value === 'number') metrics.set(key, value);
    }
    for (const split of ['validation', 'test'] as const) {
      collect(report[split], split, metrics);
    }
    return metrics;
  });
  const names: string[] = [];
  for (const metrics of perFold) {
    for (const name of metrics.keys()) if (!names.includes(name)) names.push(name);
  }
  return Object.fromEntries(
    names.map((name) => {
      const values = perFold.map((metrics) => metrics.get(name) ?? null);
      const present = values.filter((value): value is number => value !== null);
      const mean = present.reduce((sum, value) => sum + value, 0) / present.length;
      const squares = present.reduce((sum, value) => sum + (value - mean) ** 2, 0);
      const std = present.length > 1 ? Math.sqrt(squares / (present.length - 1)) : 0;
      return [name, { mean, std, values }];
    }),
  );
}

function collect(value: unknown, path: string, into: Map<string, number>): void {
  if (typeof value === 'number' && Number.isFinite(value)) {
    into.set(path, value);
    return;
  }
  if (Array.isArray(value)) {
    // perClass: entries carry their className, a steadier name than the position.
    value.forEach((item, index) => {
      const name =
        item !== null && typeof item === 'object' && 'className' in item
          ? String((item as { className: unknown }).className)
          : String(index);
      collect(item, `${path}.${name}`, into);
    });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, item] of Object.entries(value)) {
    if (!notMetrics.has(key)) collect(item, `${path}.${key}`, into);
  }
}
