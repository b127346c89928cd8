import { type Backbone, GraftError, InvalidArgumentError } from '@graft/core';
import { onnxSupport } from '../index.js';
import {
  type ModuleImporter,
  type OnnxRuntimeProbe,
  probeOnnxRuntime,
} from './load-onnx-runtime.js';

/** The engine asked for: `auto` (ONNX Runtime when it can, else tfjs), or one of them. */
export type FeatureEngineRequest = 'auto' | 'tfjs' | 'onnx';

/** The choices of {@link FeatureEngineRequest}, for flags and errors. */
export const featureEngineRequests: readonly FeatureEngineRequest[] = ['auto', 'tfjs', 'onnx'];

/** Options of {@link resolveFeatureEngine}. */
export interface ResolveFeatureEngineOptions {
  /** What the user asked for. */
  requested: FeatureEngineRequest;
  /** The backbone whose features are extracted (its frozen network is checked for conversion). */
  backbone: Backbone;
  /**
   * Whether the backbone runs frozen (feature extraction). Fine-tuning trains it in tfjs, so
   * only `tfjs` (and `auto`, which then picks tfjs) can serve it. Default true.
   */
  frozen?: boolean;
  /** Imports onnxruntime-node (tests pass a failing importer). Default: `import()`. */
  importer?: ModuleImporter;
  /**
   * Whether onnxruntime-node loads, found elsewhere: a session thread's `probe()`, so that this
   * thread need not import it (~50-90 ms at a run's start). Default: probed here.
   */
  probe?: Promise<OnnxRuntimeProbe>;
}

/** The engine to use and why, in words for the user. */
export interface FeatureEngineChoice {
  /** `onnxruntime` or `tfjs`. */
  engine: 'onnxruntime' | 'tfjs';
  /** Why this engine (and, for `auto`, why not the other). */
  reason: string;
}

/**
 * Picks the engine of frozen feature extraction. `auto` takes ONNX Runtime when onnxruntime-node
 * loads and every layer of the backbone's frozen network converts, else tfjs with the reason
 * (module missing, unsupported layer, fine-tuning). `onnx` throws a `BACKEND_UNAVAILABLE`
 * GraftError with that reason instead of falling back; `tfjs` is always possible. Does not
 * convert anything (the check is by layer), so a conversion can still fail later.
 */
export async function resolveFeatureEngine(
  options: ResolveFeatureEngineOptions,
): Promise<FeatureEngineChoice> {
  const { requested, backbone } = options;
  if (!featureEngineRequests.includes(requested)) {
    throw new InvalidArgumentError({
      argument: 'requested',
      value: requested,
      expected: `must be one of ${featureEngineRequests.join(', ')}`,
    });
  }
  if (requested === 'tfjs') return { engine: 'tfjs', reason: 'asked for' };
  const unavailable = (reason: string): FeatureEngineChoice => {
    if (requested === 'onnx') {
      throw new GraftError({
        code: 'BACKEND_UNAVAILABLE',
        message: `The ONNX Runtime engine cannot run ${backbone.weightsId}: ${reason}. Use --engine tfjs or auto.`,
      });
    }
    return { engine: 'tfjs', reason: `ONNX Runtime not used: ${reason}` };
  };
  if (options.frozen === false) {
    return unavailable(
      'the backbone is fine-tuned, not frozen (its steps run on the fine-tuning engine)',
    );
  }
  const probe = await (options.probe ?? probeOnnxRuntime(options.importer));
  if (!probe.loaded) return unavailable(probe.reason);
  const network = backbone.inferenceModel?.() ?? backbone.model;
  const support = onnxSupport(network);
  if (!support.supported) {
    return unavailable(`${backbone.weightsId} has no ONNX conversion (${support.reason})`);
  }
  return {
    engine: 'onnxruntime',
    reason: `onnxruntime-node ${probe.version} loads and ${backbone.weightsId} converts to ONNX`,
  };
}
