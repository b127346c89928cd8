import { Worker } from 'node:worker_threads';
import type { ImageView } from '@graft/core';
import { workerThreadEntry } from '@graft/core/node';
import type { ChannelTransform } from '../pipeline/crop-resize-into.js';
import type { CutViewOptions } from './cut-view.js';
import type { ViewCutReply, ViewCutRequest } from './view-cut-thread.js';

/** A thread of the pool and the cuts it has not answered yet. */
interface CutThread {
  worker: Worker;
  waiting: Map<number, { resolve: (pixels: Float32Array) => void; reject: (error: Error) => void }>;
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
    const entry = workerThreadEntry({
      moduleUrl: import.meta.url,
      builtFile: 'view-cut-thread.js',
      bootstrapFile: 'view-cut-bootstrap.mjs',
      packageName: '@graft/datasets',
    });
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
   * Cuts `view` out of `frame` in a thread, as float32 values mapped through `transform`. With
   * `transfer`, `frame`'s buffer moves to the thread (the caller must not use it again);
   * otherwise it is copied.
   */
  cut(
    frame: Uint8Array,
    view: ImageView,
    options: CutViewOptions,
    transform: ChannelTransform | undefined,
    transfer: boolean,
  ): Promise<Float32Array> {
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
        { id, frame: sent, view, options: { ...options }, transform } satisfies ViewCutRequest,
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
