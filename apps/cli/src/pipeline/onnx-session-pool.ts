import type { FeatureEngine, PreprocessedBatch } from '@graft/core';
import type { OnnxFeatureComputer } from '@graft/onnx/node';

/** Options of {@link openOnnxSessionPool}. */
export interface OnnxSessionPoolOptions {
  /** Opens one single-threaded session (`createOnnxFeatureComputer` with one intra-op thread). */
  open: () => Promise<OnnxFeatureComputer>;
  /** Sessions in the pool (the cores to fill). */
  sessions: number;
}

/** The pool: a feature computer whose batches go to the least busy of its sessions. */
export type OnnxSessionPool = OnnxFeatureComputer;

/**
 * Runs batches on `sessions` single-threaded ONNX Runtime sessions side by side instead of one
 * session with that many intra-op threads. While `graft train` decodes images on the same
 * cores, a multi-threaded inference waits for its slowest thread at every layer (measured on 2
 * busy cores: ~7% more CPU-seconds for the run than one thread); single-threaded sessions
 * never wait for each other, and once decoding is done they still fill every core. The first
 * session opens (and converts the graph into the disk cache) before this returns; the others
 * open from that cached graph in the background and join when ready. A session that fails to
 * open is left out; the first one's failure is the pool's.
 */
export async function openOnnxSessionPool(
  options: OnnxSessionPoolOptions,
): Promise<OnnxSessionPool> {
  const first = await options.open();
  const ready: Array<{ computer: OnnxFeatureComputer; busy: number }> = [
    { computer: first, busy: 0 },
  ];
  let closed = false;
  const joining = Array.from({ length: options.sessions - 1 }, () =>
    options.open().then(
      async (computer) => {
        if (closed) await computer.close();
        else ready.push({ computer, busy: 0 });
      },
      () => undefined,
    ),
  );
  const engine: FeatureEngine = {
    name: first.engine.name,
    detail: `${first.engine.detail}; ${options.sessions} sessions side by side`,
  };
  return {
    featureDim: first.featureDim,
    ...(first.weightsId !== undefined ? { weightsId: first.weightsId } : {}),
    ...(first.cacheIdentity !== undefined ? { cacheIdentity: first.cacheIdentity } : {}),
    // Each session takes the next batch while one runs (createOnnxFeatureComputer's default).
    concurrency: first.concurrency * options.sessions,
    engine,
    graph: first.graph,
    async computeFeatures(batch: PreprocessedBatch, callOptions?: { signal?: AbortSignal }) {
      const slot = ready.reduce((least, entry) => (entry.busy < least.busy ? entry : least));
      slot.busy++;
      try {
        return await slot.computer.computeFeatures(batch, callOptions);
      } finally {
        slot.busy--;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(joining);
      await Promise.all(ready.map((entry) => entry.computer.close()));
    },
  };
}

/**
 * How frozen extraction splits `cores` between ONNX Runtime sessions: one single-threaded
 * session per core, at most 4 (each holds the graph's weights; beyond that, threads per session).
 */
export function onnxSessionLayout(cores: number): { sessions: number; threads: number } {
  const sessions = Math.max(1, Math.min(cores, 4));
  return { sessions, threads: Math.max(1, Math.floor(cores / sessions)) };
}
