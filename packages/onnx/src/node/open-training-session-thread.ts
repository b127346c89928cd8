import { Worker } from 'node:worker_threads';
import { workerThreadEntry } from '@graft/core/node';
import type {
  ThreadTensor,
  TrainingSessionReply,
  TrainingSessionRequest,
} from './training-session-protocol.js';

type Body<T> = T extends { id: number } ? Omit<T, 'id'> : never;

/** A worker thread holding training sessions (see `training-session-thread.ts`). */
export interface TrainingSessionThread {
  /**
   * Sends a request; resolves its outputs. Float32 feeds are copied (structured clone) unless
   * their buffers are in `transfer`, which hands them over.
   */
  request(
    message: Body<TrainingSessionRequest>,
    transfer?: readonly ArrayBuffer[],
  ): Promise<Record<string, ThreadTensor> | undefined>;
  /** Releases the sessions and ends the thread. Idempotent. */
  close(): Promise<void>;
}

/** Starts one training session thread; sessions are opened in it by `open` requests. */
export function openTrainingSessionThread(): TrainingSessionThread {
  const entry = workerThreadEntry({
    moduleUrl: import.meta.url,
    builtFile: 'training-session-thread.js',
    bootstrapFile: 'training-session-bootstrap.mjs',
    packageName: '@graft/onnx',
  });
  const worker = new Worker(entry.url, entry.execArgv ? { execArgv: entry.execArgv } : {});
  worker.unref();
  const waiting = new Map<
    number,
    {
      resolve: (outputs: Record<string, ThreadTensor> | undefined) => void;
      reject: (error: Error) => void;
    }
  >();
  let failure: Error | undefined;
  let closed = false;
  let nextId = 0;
  const failAll = (error: Error) => {
    failure ??= error;
    for (const pending of waiting.values()) pending.reject(error);
    waiting.clear();
  };
  worker.on('error', (error) => failAll(error));
  worker.on('exit', (code) => {
    if (!closed) failAll(new Error(`the ONNX Runtime training thread exited (code ${code})`));
  });
  worker.on('message', (reply: TrainingSessionReply) => {
    const pending = waiting.get(reply.id);
    waiting.delete(reply.id);
    // An idle thread must not keep the process alive; a busy one must.
    if (waiting.size === 0) worker.unref();
    if (reply.type === 'failed') pending?.reject(new Error(reply.message));
    else pending?.resolve(reply.outputs);
  });
  const request: TrainingSessionThread['request'] = (message, transfer = []) =>
    new Promise((resolve, reject) => {
      if (failure) {
        reject(failure);
        return;
      }
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...message, id } as TrainingSessionRequest, [...transfer]);
    });
  return {
    request,
    async close() {
      if (closed) return;
      await request({ type: 'close' }).catch(() => undefined);
      closed = true;
      await worker.terminate();
    },
  };
}
