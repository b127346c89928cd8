import { Worker } from 'node:worker_threads';
import type { ImageView } from '@graft/core';
import { workerThreadEntry } from '@graft/core/node';
import type { ChannelTransform } from '../pipeline/crop-resize-into.js';
import type { CutViewOptions } from './cut-view.js';
import type { ViewCutReply, ViewCutRequest } from './view-cut-thread.js';

/** A thread of the pool and the cuts it has not answered yet. */
interface CutThread {
  worker: Worker;
  waiting: Map<number, { resolve: () => void; reject: (error: Error) => void }>;
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
  /**
   * Shared-memory view slots free for reuse: a thread writes a view into one in place, the
   * caller copies it into its batch and gives it back, so no buffer is allocated, zeroed,
   * transferred or collected per image.
   */
  private readonly freeSlots: Float32Array[] = [];

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
        if ('done' in reply) pending?.resolve();
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
   * Cuts `view` out of `frame` in a thread, as float32 values mapped through `transform`, into a
   * shared slot of `length` values; hand the slot back with {@link release} once read. With
   * `transfer`, `frame`'s buffer moves to the thread (the caller must not use it again);
   * otherwise it is copied.
   */
  async cut(
    frame: Uint8Array,
    view: ImageView,
    options: CutViewOptions,
    transform: ChannelTransform | undefined,
    transfer: boolean,
  ): Promise<Float32Array> {
    if (this.failure) throw this.failure;
    const thread = this.threads.reduce((best, candidate) =>
      candidate.waiting.size < best.waiting.size ? candidate : best,
    );
    const id = this.next++;
    const [height, width] = options.outputSize;
    const length = height * width * 3;
    let target = this.freeSlots.pop();
    if (target === undefined || target.length !== length) {
      target = new Float32Array(new SharedArrayBuffer(length * Float32Array.BYTES_PER_ELEMENT));
    }
    // A frame that shares its buffer (a slab, a pooled Buffer) is copied rather than moved.
    const whole = frame.byteOffset === 0 && frame.byteLength === frame.buffer.byteLength;
    const sent = transfer && whole ? frame : frame.slice();
    const request = { id, frame: sent, view, options: { ...options }, transform, target };
    await new Promise<void>((resolve, reject) => {
      if (thread.waiting.size === 0) thread.worker.ref();
      thread.waiting.set(id, { resolve, reject });
      thread.worker.postMessage(request satisfies ViewCutRequest, [sent.buffer as ArrayBuffer]);
    });
    return target;
  }

  /** Gives back a slot {@link cut} returned, once its values are read. */
  release(slot: Float32Array): void {
    if (this.freeSlots.length < 256) this.freeSlots.push(slot);
  }

  /** True once a thread failed or the pool was closed: it takes no more cuts. */
  get broken(): boolean {
    return this.failure !== undefined;
  }

  /** Ends every thread. */
  async close(): Promise<void> {
    this.failure ??= new Error('the view-cutting threads are closed');
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
  }
}

const shared = new Map<number, ViewCutPool>();

/**
 * The process's pool of `threads` view-cutting threads, started once and kept across streams:
 * starting a thread (module loading) cost ~1 CPU-ms per image of a 244-image epoch when each
 * epoch started its own. Idle threads are unref'd, so they never keep the process alive.
 */
export function sharedViewCutPool(threads: number): ViewCutPool {
  let pool = shared.get(threads);
  if (pool === undefined || pool.broken) {
    pool = new ViewCutPool(threads);
    shared.set(threads, pool);
  }
  return pool;
}
