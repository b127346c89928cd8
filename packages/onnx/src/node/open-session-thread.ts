import { Worker } from 'node:worker_threads';
import type { Preprocessing } from '@graft/core/images';
import { workerThreadEntry } from '@graft/core/node';
import type { InferenceSession } from 'onnxruntime-node';
import type { OnnxRuntimeProbe } from './load-onnx-runtime.js';
import type { SessionReply, SessionRequest } from './onnx-session-protocol.js';
import type { SessionOutput } from './run-in-micro-batches.js';

/** An ONNX Runtime session living in a worker thread. */
export interface SessionThread {
  /** The graph's first input. */
  inputName: string;
  /** The graph's first output. */
  outputName: string;
  /**
   * Runs one float32 batch, `microBatch` images per inference (default: all at once); resolves
   * the first output (its values only when float32).
   */
  run(pixels: Float32Array, shape: readonly number[], microBatch?: number): Promise<SessionOutput>;
  /**
   * Runs one batch of RGB bytes, normalized for `preprocessing` a micro-batch at a time by
   * whoever runs the session (`normalizePixels`): the same output as `run` on
   * `normalizePixels(pixels)`, from a quarter of the data.
   */
  runBytes(
    pixels: Uint8Array,
    shape: readonly number[],
    preprocessing: Preprocessing,
    microBatch?: number,
  ): Promise<SessionOutput>;
  /** Releases the session and ends the thread. */
  release(): Promise<void>;
}

/** A session thread started before its graph is ready (see {@link startSessionThread}). */
export interface StartedSessionThread {
  /**
   * Opens the session on `graph` in the thread; once only. On failure the thread is ended and the
   * promise rejects.
   */
  open(graph: Uint8Array, options: InferenceSession.SessionOptions): Promise<SessionThread>;
  /** Ends the thread when no session was opened in it (a session is released with its `release`). */
  close(): Promise<void>;
  /**
   * Whether onnxruntime-node loads in the thread (`probeOnnxRuntime` there), so that the caller
   * need not import it itself. Rejects when the thread ended before it could say.
   */
  probe(): Promise<OnnxRuntimeProbe>;
}

/**
 * Opens an ONNX Runtime session on `graph` in a worker thread of its own. onnxruntime-node's
 * `session.run` is synchronous on the calling thread (a `setImmediate`, then a blocking native
 * call), so in the main thread nothing else in JavaScript runs while a batch is inferred; here
 * the main thread keeps decoding and resizing the next batches meanwhile. `pixels` passed to
 * `run` are transferred (the caller's array is detached).
 */
export function openSessionThread(
  graph: Uint8Array,
  options: InferenceSession.SessionOptions,
): Promise<SessionThread> {
  return startSessionThread().open(graph, options);
}

/**
 * Starts the thread of {@link openSessionThread} before the graph exists: the thread loads its
 * modules and onnxruntime-node (~0.15-0.25 s) while the caller converts the graph, and `open`
 * then only creates the session. Whoever starts it opens or closes it. An idle thread does not
 * keep the process alive.
 */
export function startSessionThread(): StartedSessionThread {
  const entry = workerThreadEntry({
    moduleUrl: import.meta.url,
    builtFile: 'onnx-session-thread.js',
    bootstrapFile: 'onnx-session-bootstrap.mjs',
    packageName: '@graft/onnx',
  });
  const worker = new Worker(entry.url, entry.execArgv ? { execArgv: entry.execArgv } : {});
  // Until `open`, nothing is awaited from it.
  worker.unref();
  const waiting = new Map<
    number,
    { resolve: (reply: SessionReply) => void; reject: (error: Error) => void }
  >();
  let opened:
    | { resolve: (reply: SessionReply) => void; reject: (error: Error) => void }
    | undefined;
  let failure: Error | undefined;
  let used = false;
  let probed: { resolve: (probe: OnnxRuntimeProbe) => void; reject: (error: Error) => void };
  const probe = new Promise<OnnxRuntimeProbe>((resolve, reject) => {
    probed = { resolve, reject };
  });
  // Only awaited by whoever asks.
  probe.catch(() => undefined);
  let probeSettled = false;
  let probeAwaited = false;
  // Nothing awaited from the thread: it must not keep the process alive.
  const unrefWhenIdle = () => {
    if (waiting.size === 0 && opened === undefined && !probeAwaited) worker.unref();
  };
  const failAll = (error: Error) => {
    failure ??= error;
    probeSettled = true;
    probed.reject(error);
    opened?.reject(error);
    for (const pending of waiting.values()) pending.reject(error);
    waiting.clear();
  };
  worker.on('error', (error) => failAll(error));
  worker.on('exit', (code) =>
    failAll(new Error(`the ONNX Runtime session thread exited (code ${code})`)),
  );
  worker.on('message', (reply: SessionReply) => {
    if (reply.type === 'probed') {
      probed.resolve(reply.probe);
      probeSettled = true;
      probeAwaited = false;
      unrefWhenIdle();
      return;
    }
    if (reply.type === 'ran' || (reply.type === 'failed' && reply.id !== undefined)) {
      const pending = waiting.get(reply.id as number);
      waiting.delete(reply.id as number);
      // An idle session thread must not keep the process alive; a busy one must.
      unrefWhenIdle();
      if (reply.type === 'failed') pending?.reject(new Error(reply.message));
      else pending?.resolve(reply);
      return;
    }
    const settle = opened;
    opened = undefined;
    unrefWhenIdle();
    if (reply.type === 'failed') settle?.reject(new Error(reply.message));
    else settle?.resolve(reply);
  });
  const request = (message: SessionRequest, transfer: ArrayBuffer[] = []) =>
    new Promise<SessionReply>((resolve, reject) => {
      // A thread that already failed (or exited) would never answer.
      if (failure) {
        reject(failure);
        return;
      }
      opened = { resolve, reject };
      // Awaited replies keep the process alive (an unref'd worker's would be lost at exit,
      // e.g. the release after Ctrl-C, and the run would end with exit code 0).
      worker.ref();
      worker.postMessage(message, transfer);
    });
  const end = async () => {
    failure ??= new Error('the ONNX Runtime session thread is closed');
    await worker.terminate();
  };

  const open = async (
    graph: Uint8Array,
    options: InferenceSession.SessionOptions,
  ): Promise<SessionThread> => {
    if (used) throw new Error('the ONNX Runtime session thread was already opened or closed');
    used = true;
    let first: SessionReply;
    try {
      first = await request({ type: 'open', graph, options });
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    if (first.type !== 'opened') throw new Error(`unexpected reply ${first.type}`);
    unrefWhenIdle();
    let next = 0;
    // The pixels are transferred: the caller's array is detached.
    const send = (
      message: Extract<SessionRequest, { type: 'run' | 'run-bytes' }>,
    ): Promise<SessionOutput> => {
      if (failure) return Promise.reject(failure);
      if (waiting.size === 0) worker.ref();
      return new Promise((resolve, reject) => {
        waiting.set(message.id, {
          resolve: (reply) => {
            if (reply.type !== 'ran') return;
            resolve({
              outputType: reply.outputType,
              dims: reply.dims,
              ...(reply.values ? { values: reply.values } : {}),
            });
          },
          reject,
        });
        worker.postMessage(message, [message.pixels.buffer as ArrayBuffer]);
      });
    };
    return {
      inputName: first.inputName,
      outputName: first.outputName,
      run(pixels, shape, microBatch = shape[0] ?? 1) {
        return send({ type: 'run', id: next++, pixels, shape, microBatch });
      },
      runBytes(pixels, shape, preprocessing, microBatch = shape[0] ?? 1) {
        return send({ type: 'run-bytes', id: next++, pixels, shape, microBatch, preprocessing });
      },
      async release() {
        if (!failure) await request({ type: 'release' }).catch(() => undefined);
        await end();
      },
    };
  };

  return {
    open,
    probe() {
      if (!probeSettled) {
        // Its answer is awaited: the thread keeps the process alive until it comes.
        probeAwaited = true;
        worker.ref();
      }
      return probe;
    },
    async close() {
      if (used) return;
      used = true;
      await end();
    },
  };
}
