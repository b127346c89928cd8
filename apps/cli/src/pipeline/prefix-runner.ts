import { createOnnxModelRunner, type FeatureEngineRequest } from '@graft/onnx/node';
import type { PrefixRunnerFactory } from '@graft/trainer';

/**
 * What runs the frozen-prefix cache's pass: ONNX Runtime unless `--engine tfjs` (the prefix is
 * frozen, like the features of feature extraction). When onnxruntime-node is missing or the
 * prefix has a layer without an ONNX conversion, the trainer says so and uses tfjs.
 */
export function prefixRunnerFor(
  engine: FeatureEngineRequest | undefined,
): PrefixRunnerFactory | undefined {
  if (engine === 'tfjs') return undefined;
  return (prefix) => createOnnxModelRunner({ model: prefix });
}
