import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { EpochRecord } from './api.js';
import { element } from './dom.js';

/** A line chart of some metrics of an epoch log, redrawn in place as epochs arrive. */
export interface MetricChart {
  update(epochs: readonly EpochRecord[]): void;
  destroy(): void;
}

const palette = ['#2f6f9f', '#d0783b', '#4d9a6a', '#8a5fb0'];

/**
 * A uPlot chart titled `title` of the first of each `keys` alternatives present (e.g. the
 * learning rate is `learning_rate` in the trainer's logs and `lr` in Keras-style logs).
 */
export function metricChart(options: {
  container: HTMLElement;
  title: string;
  series: ReadonlyArray<{ label: string; keys: readonly string[] }>;
  width?: number;
}): MetricChart {
  const figure = element('figure', { class: 'chart' }, [
    element('figcaption', { text: options.title }),
  ]);
  options.container.append(figure);
  const width = options.width ?? Math.max(260, Math.min(440, options.container.clientWidth || 380));
  const plot = new uPlot(
    {
      width,
      height: 200,
      scales: { x: { time: false } },
      legend: { live: false },
      axes: [{ label: 'epoch' }, { size: 56 }],
      series: [
        { label: 'epoch' },
        ...options.series.map((series, index) => ({
          label: series.label,
          stroke: palette[index % palette.length],
          width: 2,
          points: { show: true, size: 5 },
        })),
      ],
    },
    [[], ...options.series.map(() => [])],
    figure,
  );
  return {
    update(epochs) {
      const x = epochs.map((record) => record.epoch);
      const columns = options.series.map((series) =>
        epochs.map((record) => {
          for (const key of series.keys) {
            const value = record.metrics[key];
            if (value !== undefined) return value;
          }
          return null;
        }),
      );
      plot.setData([x, ...columns] as uPlot.AlignedData);
    },
    destroy() {
      plot.destroy();
      figure.remove();
    },
  };
}

/** The three charts of a run: loss, accuracy, learning rate. */
export function runCharts(container: HTMLElement, width?: number): MetricChart {
  const grid = element('div', { class: 'charts' });
  container.append(grid);
  const charts = [
    metricChart({
      container: grid,
      title: 'Loss',
      series: [
        { label: 'train', keys: ['loss'] },
        { label: 'validation', keys: ['val_loss'] },
      ],
      ...(width ? { width } : {}),
    }),
    metricChart({
      container: grid,
      title: 'Accuracy',
      series: [
        { label: 'train', keys: ['accuracy', 'acc'] },
        { label: 'validation', keys: ['val_accuracy', 'val_acc'] },
      ],
      ...(width ? { width } : {}),
    }),
    metricChart({
      container: grid,
      title: 'Learning rate',
      series: [{ label: 'lr', keys: ['learning_rate', 'lr', 'learningRate'] }],
      ...(width ? { width } : {}),
    }),
  ];
  return {
    update: (epochs) => {
      for (const chart of charts) chart.update(epochs);
    },
    destroy: () => {
      for (const chart of charts) chart.destroy();
      grid.remove();
    },
  };
}
