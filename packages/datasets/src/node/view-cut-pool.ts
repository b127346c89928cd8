import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ImageView } from '@graft/core';
import type { CutViewOptions } from './cut-view.js';
import type { ViewCutReply, ViewCutRequest } from './view-cut-thread.js';

/** A thread of the pool and the cuts it has not answered yet. */
interface CutThread {
  worker: Worker;
  waiting: Map<number, { resolve: (pixels: Uint8Array) => void; reject: (error: Error) => void }>;
}

/**
 * Worker threads that cut augmented views out of frames (`cutView`), so that on a cached epoch
 * (no decode left) the cut, ~40 % of the epoch's CPU, no longer runs on the one thread that
 * also normalizes and feeds the model. Each cut goes to the thread with the fewest in flight.
 */
export class ViewCutPool {
  private readonly threads: CutThread[];
  private next = 0;
  private failure: Error | undefined;

  constructor(threads: number) {
    const entry = threadEntry();
    this.threads = Array.from({ length: threads }, () => {
      const worker = new Worker(entry.url, entry.execArgv ? { execArgv: entry.execArgv } : {});
      const thread: CutThread = { worker, waiting: new Map() };
      worker.on('message', (reply: ViewCutReply) => {
        const pending = thread.waiting.get(reply.id);
        thread.waiting.delete(reply.id);
        if ('pixels' in reply) pending?.resolve(reply.pixels);
        else pending?.reject(new Error(`cutting a view failed: ${reply.message}`));
        if (thread.waiting.size === 0) worker.unref();
      });
      const fail = (error: Error) => {
        this.failure ??= error;
        for (const pending of thread.waiting.values()) pending.reject(error);
        thread.waiting.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`a view-cutting thread exited (code ${code})`)));
      worker.unref();
      return thread;
    });
  }

  /**
   * Cuts `view` out of `frame` in a thread. With `transfer`, `frame`'s buffer moves to the
   * thread (the caller must not use it again); otherwise it is copied.
   */
  cut(
    frame: Uint8Array,
    view: ImageView,
    options: CutViewOptions,
    transfer: boolean,
  ): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    const thread = this.threads.reduce((best, candidate) =>
      candidate.waiting.size < best.waiting.size ? candidate : best,
    );
    const id = this.next++;
    // A frame that shares its buffer (a slab, a pooled Buffer) is copied rather than moved.
    const whole = frame.byteOffset === 0 && frame.byteLength === frame.buffer.byteLength;
    const sent = transfer && whole ? frame : frame.slice();
    return new Promise((resolve, reject) => {
      if (thread.waiting.size === 0) thread.worker.ref();
      thread.waiting.set(id, { resolve, reject });
      thread.worker.postMessage(
        { id, frame: sent, view, options: { ...options } } satisfies ViewCutRequest,
        [sent.buffer as ArrayBuffer],
      );
    });
  }

  /** Ends every thread. */
  async close(): Promise<void> {
    this.failure ??= new Error('the view-cutting threads are closed');
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
  }
}

/**
 * The thread's entry file: the built `view-cut-thread.js` beside this module, or, from the
 * TypeScript sources, a bootstrap that registers tsx first (worker threads do not inherit the
 * loader) with the `@graft/source` condition.
 */
function threadEntry(): { url: URL; execArgv?: string[] } {
  if (import.meta.url.endsWith('.ts')) {
    return {
      url: new URL('./view-cut-bootstrap.mjs', import.meta.url),
      execArgv: ['--conditions=@graft/source'],
    };
  }
  // Beside this file in dist/node/, or one level down if the bundler moved this code to a chunk.
  const candidates = ['./view-cut-thread.js', './node/view-cut-thread.js'].map(
    (path) => new URL(path, import.meta.url),
  );
  const found = candidates.find((url) => existsSync(fileURLToPath(url)));
  if (found === undefined) {
    throw new Error(
      `@graft/datasets's view-cut-thread.js is missing beside ${fileURLToPath(import.meta.url)}: rebuild the package.`,
    );
  }
  return { url: found };
}
