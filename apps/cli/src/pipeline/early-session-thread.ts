import { type StartedSessionThread, startSessionThread } from '@graft/onnx/node';
import type { RunTrainingOptions } from './run-training-options.js';
import { extractionModeOf } from './start-run-engines.js';

/**
 * Starts the ONNX Runtime feature engine's session thread before the backbone loads, when the
 * run's frozen features may run on ONNX Runtime (`--engine auto` or `onnx`): the thread loads
 * its modules and onnxruntime-node (~0.15-0.25 s) while the weights load and the graph converts,
 * instead of after. `undefined` when the run extracts with tfjs or fine-tunes. The caller hands it
 * to `startRunEngines` or closes it.
 */
export function startEarlySessionThread(
  options: Pick<RunTrainingOptions, 'config' | 'engine'>,
): StartedSessionThread | undefined {
  if (extractionModeOf(options.config) !== 'feature-extraction') return undefined;
  if (options.engine === 'tfjs') return undefined;
  try {
    return startSessionThread();
  } catch {
    // Then the engine starts its thread when it opens the session, and reports what fails.
    return undefined;
  }
}
