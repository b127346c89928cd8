// Worker entry of the chart thread (render-chart.ts): loads Vega at once, then renders the
// specs it is sent, so a run's charts need no module loading on the main thread at its end.
import { parentPort } from 'node:worker_threads';
import type { TopLevelSpec } from 'vega-lite';
import { chartWarmUpSpec } from './chart-warm-up.js';
import { renderChartHere } from './render-chart-here.js';

/** A chart asked of the thread. */
export interface ChartRequest {
  id: number;
  spec: TopLevelSpec;
}

/** The thread's answer: the SVG document, or why not. */
export type ChartReply = { id: number; svg: string } | { id: number; message: string };

const port = parentPort;
if (port === null) throw new Error('chart-thread runs in a worker thread');
let asked = false;
// Loading is the slow part (~0.45 CPU-s): done while the run still trains, and so is one
// warm-up chart, unless a chart is already waiting (a run that trained for a moment).
const ready = Promise.all([import('vega'), import('vega-lite')]).then(async () => {
  if (!asked) await renderChartHere(chartWarmUpSpec).catch(() => undefined);
});
port.on('message', async (request: ChartRequest) => {
  asked = true;
  try {
    await ready;
    const svg = await renderChartHere(request.spec);
    port.postMessage({ id: request.id, svg } satisfies ChartReply);
  } catch (error) {
    port.postMessage({
      id: request.id,
      message: error instanceof Error ? error.message : String(error),
    } satisfies ChartReply);
  }
});
