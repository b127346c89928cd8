import { Worker } from 'node:worker_threads';
import type { TopLevelSpec } from 'vega-lite';
import type { ChartReply, ChartRequest } from './chart-thread.js';
import { renderChartHere } from './render-chart-here.js';

/** The chart thread, once {@link startChartThread} started it. */
let thread:
  | {
      worker: Worker;
      /** Replies awaited; `undefined` when the thread ended before answering. */
      waiting: Map<number, (reply: ChartReply | undefined) => void>;
      next: number;
    }
  | undefined;

/**
 * Starts loading Vega in a worker thread (`graft train` calls it once its head epochs run, when
 * a core is otherwise idle), so {@link renderChart} at the end of the run does not load it on
 * the main thread (~0.45 s of the run's tail). Only for the built CLI (dist/chart-thread.js
 * beside this code; TypeScript sources render in this thread); idempotent. The thread never
 * keeps the process alive.
 */
export function startChartThread(): void {
  if (thread !== undefined || !import.meta.url.endsWith('.js')) return;
  const worker = new Worker(new URL('./chart-thread.js', import.meta.url));
  const waiting = new Map<number, (reply: ChartReply | undefined) => void>();
  worker.on('message', (reply: ChartReply) => {
    waiting.get(reply.id)?.(reply);
    waiting.delete(reply.id);
  });
  // A thread that fails leaves its charts to this thread.
  const abandon = () => {
    for (const resolve of waiting.values()) resolve(undefined);
    waiting.clear();
    thread = undefined;
  };
  worker.on('error', abandon);
  worker.on('exit', abandon);
  worker.unref();
  thread = { worker, waiting, next: 0 };
}

/**
 * Renders a Vega-Lite spec to an SVG document, headless (Vega's SVG renderer needs no canvas or
 * DOM): the charts a run directory holds are files a browser, an editor or a README can show.
 * In the chart thread when one was started, else in this thread.
 */
export async function renderChart(spec: TopLevelSpec): Promise<string> {
  const current = thread;
  if (current === undefined) return renderChartHere(spec);
  const id = current.next++;
  current.worker.ref();
  try {
    const reply = await new Promise<ChartReply | undefined>((resolve) => {
      current.waiting.set(id, resolve);
      current.worker.postMessage({ id, spec } satisfies ChartRequest);
    });
    if (reply === undefined) return renderChartHere(spec);
    if ('svg' in reply) return reply.svg;
    throw new Error(reply.message);
  } finally {
    if (current.waiting.size === 0) current.worker.unref();
  }
}
