import { join } from 'node:path';
import type { TrainLogs } from '@graft/core';
import { writeFileAtomic } from '@graft/core/node';
import type { EvaluationReport } from '@graft/trainer';
import type { TopLevelSpec } from 'vega-lite';
import { renderChart } from './render-chart.js';

const schema = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Metrics drawn per chart: each becomes one line when the history has it. */
const curves = {
  loss: ['loss', 'val_loss'],
  accuracy: ['accuracy', 'val_accuracy'],
  'learning-rate': ['learning_rate'],
} as const;

/**
 * Line charts of the epoch history, one per group of {@link curves}: epoch on x, one coloured
 * line per metric present. Groups with no metric in the history are left out.
 */
export function trainingCurveSpecs(history: readonly TrainLogs[]): Record<string, TopLevelSpec> {
  const specs: Record<string, TopLevelSpec> = {};
  for (const [name, metrics] of Object.entries(curves)) {
    const values = history.flatMap((logs, index) =>
      metrics.flatMap((metric) => {
        const value = logs[metric];
        return typeof value === 'number' && Number.isFinite(value)
          ? [{ epoch: index + 1, value, metric }]
          : [];
      }),
    );
    if (values.length === 0) continue;
    specs[name] = {
      $schema: schema,
      title: name.replace('-', ' '),
      width: 420,
      height: 260,
      data: { values },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
        y: {
          field: 'value',
          type: 'quantitative',
          title: name.replace('-', ' '),
          ...(name === 'learning-rate' ? { axis: { format: '.1e' } } : {}),
        },
        color: { field: 'metric', type: 'nominal', title: null },
      },
    };
  }
  return specs;
}

/** A heatmap of `confusionMatrix[true][predicted]` with the counts written in the cells. */
export function confusionMatrixSpec(report: EvaluationReport, title: string): TopLevelSpec {
  const values = report.confusionMatrix.flatMap((row, actual) =>
    row.map((count, predicted) => ({
      actual: report.classNames[actual] ?? String(actual),
      predicted: report.classNames[predicted] ?? String(predicted),
      count,
    })),
  );
  const order = [...report.classNames];
  const cell = 36;
  return {
    $schema: schema,
    title,
    width: Math.max(120, cell * order.length),
    height: Math.max(120, cell * order.length),
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: order, title: 'predicted' },
      y: { field: 'actual', type: 'nominal', sort: order, title: 'actual' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues' } },
        },
      },
      {
        mark: 'text',
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: {
            condition: { test: `datum.count > ${maximum(report) / 2}`, value: 'white' },
            value: 'black',
          },
        },
      },
    ],
  };
}

function maximum(report: EvaluationReport): number {
  return Math.max(0, ...report.confusionMatrix.flat());
}

/** Options of {@link writeTrainingPlots}. */
export interface WriteTrainingPlotsOptions {
  /** Folder the SVG files go to (created by the caller). */
  directory: string;
  /** The run's epoch logs. */
  history: readonly TrainLogs[];
  /** The final validation report, for its confusion matrix. */
  validation?: EvaluationReport;
}

/**
 * Starts rendering the charts {@link writeTrainingPlots} writes, all at once (in the chart thread,
 * while the caller does something else: the run's final save), and returns what writes them into
 * a directory: no file is written before it is called. The files are written in order; a chart
 * that failed to render fails the write there, as in {@link writeTrainingPlots}.
 */
export function renderTrainingPlots(
  options: Omit<WriteTrainingPlotsOptions, 'directory'>,
): (directory: string) => Promise<string[]> {
  const specs = trainingCurveSpecs(options.history);
  // A multi-label report has no confusion matrix (its per-label metrics are in report.json).
  if (options.validation && options.validation.confusionMatrix.length > 0) {
    specs['confusion-matrix'] = confusionMatrixSpec(
      options.validation,
      'validation confusion matrix',
    );
  }
  const rendered = Object.entries(specs).map(([name, spec]) => {
    const svg = renderChart(spec);
    // Reported by the write that awaits it.
    svg.catch(() => undefined);
    return { name, svg };
  });
  return async (directory) => {
    const written: string[] = [];
    for (const { name, svg } of rendered) {
      const file = join(directory, `${name}.svg`);
      await writeFileAtomic(file, await svg);
      written.push(file);
    }
    return written;
  };
}

/**
 * Writes `loss.svg`, `accuracy.svg`, `learning-rate.svg` (those the history has) and
 * `confusion-matrix.svg` (with a single-label validation report), each atomically. Returns the files written.
 */
export async function writeTrainingPlots(options: WriteTrainingPlotsOptions): Promise<string[]> {
  return renderTrainingPlots(options)(options.directory);
}
