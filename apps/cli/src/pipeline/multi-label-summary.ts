import type { MultiLabelMetrics } from '@graft/trainer';

/** The summary-table rows of a multi-label validation report (instead of one accuracy row). */
export function multiLabelSummaryRows(metrics: MultiLabelMetrics): [string, string][] {
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
  return [
    ['val exact match', percent(metrics.exactMatch)],
    ['val Hamming acc.', percent(metrics.hammingAccuracy)],
    [
      'val F1',
      `micro ${metrics.microF1.toFixed(3)}, macro ${metrics.macroF1.toFixed(3)} (threshold ${metrics.threshold})`,
    ],
  ];
}
