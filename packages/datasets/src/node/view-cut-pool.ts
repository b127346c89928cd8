import { Worker } from 'node:worker_threads';
import type { ImageView } from '@graft/core';
import { workerThreadEntry } from '@graft/core/node';
import { ownedArray } from '@graft/core/threads';
import type { ChannelTransform } from '../pipeline/crop-resize-into.js';
import type { CutViewOptions } from './cut-view.js';
import type { FrameTarget } from './decode-view.js';
import type { FrameFileSlot } from './frame-file-slot.js';
import type { ViewCutReply, ViewCutRequest, ViewLoadRequest } from './view-cut-thread.js';

/** What a thread sends back for a load: the frame it decoded and its content key. */
interface LoadedFrame {
  frame?: Uint8Array;
  key?: string;
}

/** A thread of the pool and the cuts it has not answered yet. */
interface CutThread {
  worker: Worker;
  waiting: Map<number, { resolve: (loaded: LoadedFrame) => void; reject: (error: Error) => void }>;
}

/**
 * A view cut from a file in a thread: its shared slot, the frame it was cut from (absent when
 * the thread wrote it to the given cache file), its key.
 */
export interface LoadedView {
  slot: Float32Array;
  frame?: Uint8Array;
  key: string;
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
        if ('done' in reply) pending?.resolve({ frame: reply.frame, key: reply.key });
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
    // A frame that shares its buffer (a slab, a pooled Buffer) is copied rather than moved.
    const sent = transfer ? ownedArray(frame) : frame.slice();
    const target = this.slot(options);
    await this.send({ frame: sent, view, options: { ...options }, transform, target }, [
      sent.buffer as ArrayBuffer,
    ]);
    return target;
  }

  /**
   * Reads `path`, decodes its frame (`decodeFrame` with `frameTarget`) and cuts `view` out of it,
   * all in a thread, so that a pass that decodes spreads over the threads instead of resizing
   * and cutting every image on the caller's. Returns the view's slot (give it back with
   * {@link release}), the frame (for the pixel cache) and the file's content key; with
   * `cacheFile`, the thread writes the frame there itself and sends none back. Rejects on any
   * failure; the caller then loads the file itself, so that errors stay the caller's own.
   */
  async load(
    path: string,
    frameTarget: FrameTarget,
    view: ImageView,
    options: CutViewOptions,
    transform: ChannelTransform | undefined,
    cacheFile?: FrameFileSlot,
  ): Promise<LoadedView> {
    const slot = this.slot(options);
    const request = {
      path,
      frameTarget: { ...frameTarget },
      view,
      options: { ...options },
      ...(cacheFile ? { cacheFile: { ...cacheFile } } : {}),
    };
    try {
      const { frame, key } = await this.send({ ...request, transform, target: slot }, []);
      if (key === undefined || (frame === undefined && cacheFile === undefined)) {
        throw new Error('the thread sent no frame');
      }
      return { slot, ...(frame ? { frame } : {}), key };
    } catch (error) {
      // The caller loads the file itself: the slot is free again.
      this.release(slot);
      throw error;
    }
  }

  /** A free shared slot of `outputSize`'s float32 values (a new one when none fits). */
  private slot(options: CutViewOptions): Float32Array {
    const [height, width] = options.outputSize;
    const length = height * width * 3;
    const reused = this.freeSlots.pop();
    if (reused !== undefined && reused.length === length) return reused;
    return new Float32Array(new SharedArrayBuffer(length * Float32Array.BYTES_PER_ELEMENT));
  }

  /** Posts to the thread with the fewest requests in flight; resolves with its answer. */
  private send(
    request: Omit<ViewCutRequest, 'id'> | Omit<ViewLoadRequest, 'id'>,
    transfer: ArrayBuffer[],
  ): Promise<LoadedFrame> {
    if (this.failure) return Promise.reject(this.failure);
    const thread = this.threads.reduce((best, candidate) =>
      candidate.waiting.size < best.waiting.size ? candidate : best,
    );
    const id = this.next++;
    return new Promise<LoadedFrame>((resolve, reject) => {
      if (thread.waiting.size === 0) thread.worker.ref();
      thread.waiting.set(id, { resolve, reject });
      thread.worker.postMessage(
        { ...request, id } satisfies ViewCutRequest | ViewLoadRequest,
        transfer,
      );
    });
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
