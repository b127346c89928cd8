import type { Backbone, FeatureComputer } from '@graft/core';
import { InvalidArgumentError } from '@graft/core';
import {
  createOnnxFeatureComputer,
  type FeatureEngineRequest,
  featureEngineRequests,
  probeOnnxRuntime,
  resolveFeatureEngine,
  type StartedSessionThread,
} from '@graft/onnx/node';
import { backboneCacheIdentity } from '@graft/trainer';
import type { CommandOutput } from '../output.js';

/** A feature computer the run closes when it ends. */
export type ClosableFeatureComputer = FeatureComputer & { close(): Promise<void> };

/**
 * `--engine <auto|tfjs|onnx>` as commander's `.option(...engineOption)` arguments: graft train,
 * resume and distill share this one definition. The value arrives as `flags.engine`; parse it
 * with {@link parseFeatureEngine}.
 */
export const engineOption = [
  '--engine <engine>',
  'engine for frozen feature extraction and fine-tuning steps: auto (ONNX Runtime when onnxruntime-node loads and the backbone converts, else tfjs), tfjs, or onnx (default auto)',
] as const;

/** Parses `--engine` (undefined → auto). */
export function parseFeatureEngine(text: string | undefined): FeatureEngineRequest {
  if (text === undefined) return 'auto';
  if (!(featureEngineRequests as readonly string[]).includes(text)) {
    throw new InvalidArgumentError({
      argument: '--engine',
      value: text,
      expected: `must be one of ${featureEngineRequests.join(', ')}`,
    });
  }
  return text as FeatureEngineRequest;
}

/**
 * Starts the engine that computes the run's frozen features and says which and why: an ONNX
 * Runtime session on the backbone's converted graph (cached on disk by the weights' identity),
 * or the tfjs path `startTfjs` starts (worker threads; undefined = this thread). With `auto`, a
 * conversion that fails falls back to tfjs with the reason; with `onnx` it is the run's error.
 */
export async function startFeatureEngine(options: {
  /** `--engine`. */
  requested: FeatureEngineRequest;
  /** The run's backbone, already loaded. */
  backbone: Backbone;
  /** Whether features are extracted from a frozen backbone (not fine-tuning). */
  frozen: boolean;
  /** Where to say which engine runs. */
  output: CommandOutput;
  /** Starts tfjs extraction: worker threads, or undefined for this thread. */
  startTfjs: () => Promise<ClosableFeatureComputer> | undefined;
  /**
   * An ONNX Runtime session thread started ahead (early-session-thread.ts): ONNX Runtime opens
   * its session in it; closed when tfjs runs instead or this call fails.
   */
  sessionThread?: StartedSessionThread;
}): Promise<ClosableFeatureComputer | undefined> {
  const { sessionThread } = options;
  // Handed to createOnnxFeatureComputer, which then owns it; closed here on every other path.
  let handedOver = false;
  try {
    return await start(options, (thread) => {
      handedOver = true;
      return thread;
    });
  } finally {
    if (!handedOver) await sessionThread?.close();
  }
}

async function start(
  options: Parameters<typeof startFeatureEngine>[0],
  handOver: (thread: StartedSessionThread) => StartedSessionThread,
): Promise<ClosableFeatureComputer | undefined> {
  const { output, backbone } = options;
  // Fine-tuning never asks for an engine choice unless the user did: no noise in its log.
  const say = options.frozen || options.requested !== 'auto' ? output.info : output.verbose;
  const choice = await resolveFeatureEngine({
    requested: options.requested,
    backbone,
    frozen: options.frozen,
    // The session thread started ahead has imported onnxruntime-node (or failed to): asked
    // instead of importing it here too. A thread that died says nothing: probed here then.
    ...(options.sessionThread
      ? { probe: options.sessionThread.probe().catch(() => probeOnnxRuntime()) }
      : {}),
  });
  if (choice.engine === 'onnxruntime') {
    try {
      const computer = await createOnnxFeatureComputer({
        backbone,
        cacheIdentity: await backboneCacheIdentity(backbone),
        // The next batches decode on the same cores while a batch runs.
        allowSpinning: false,
        // Its blocking `run` would stall the next batches' decode and resize on this thread.
        inWorkerThread: true,
        ...(options.sessionThread ? { sessionThread: handOver(options.sessionThread) } : {}),
      });
      say.call(
        output,
        `feature engine: onnxruntime (${computer.engine.detail}; graph ${computer.graph.reused ? 'reused from' : 'converted into'} ${computer.graph.path}) — --engine ${options.requested}: ${choice.reason}`,
      );
      return computer;
    } catch (error) {
      if (options.requested === 'onnx') throw error;
      const message = error instanceof Error ? error.message : String(error);
      say.call(
        output,
        `feature engine: tfjs — --engine auto: ONNX Runtime failed, falling back: ${message}`,
      );
      return options.startTfjs();
    }
  }
  say.call(output, `feature engine: tfjs — --engine ${options.requested}: ${choice.reason}`);
  return options.startTfjs();
}
