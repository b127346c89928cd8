import { onnxDataType } from '../../proto/onnx-schema.js';
import { binary } from '../graph-operations.js';
import type { TrainingLayer } from '../training-layer.js';

/**
 * tfjs `ReLU` (optionally capped: ReLU6). tfjs computes `clipByValue(relu(x), 0, max)`, whose
 * gradient passes where `0 < x ≤ max`; the mask is built from the input to match it exactly.
 */
export const reluTraining: TrainingLayer = {
  check(_layer, config) {
    if (Number(config.negativeSlope ?? 0) !== 0)
      return `negativeSlope ${config.negativeSlope} (only 0)`;
    if (Number(config.threshold ?? 0) !== 0) return `threshold ${config.threshold} (only 0)`;
    return undefined;
  },
  forward({ graph, layer, inputs, config }) {
    const x = inputs[0]?.name as string;
    const max = config.maxValue;
    if (max === null || max === undefined) {
      return { outputs: [graph.add({ opType: 'Relu', inputs: [x], name: layer.name })] };
    }
    const output = graph.add({
      opType: 'Clip',
      inputs: [
        x,
        graph.addFloatScalar(`${layer.name}_min`, 0),
        graph.addFloatScalar(`${layer.name}_max`, Number(max)),
      ],
      name: layer.name,
    });
    return { outputs: [output] };
  },
  backward({ graph, layer, inputs, config, outputGradients, inputNeedsGradient, forward }) {
    if (!inputNeedsGradient[0]) return { inputGradients: [undefined] };
    const x = inputs[0]?.name as string;
    const name = `${layer.name}_grad`;
    const max = config.maxValue;
    // Capped: x equals clip(x, 0, max) exactly where 0 ≤ x ≤ max (one comparison instead of
    // two and a logical and; it differs from tfjs only where x is exactly 0).
    const mask =
      max === null || max === undefined
        ? graph.add({
            opType: 'Greater',
            inputs: [x, graph.addFloatScalar(`${name}_zero`, 0)],
            name: `${name}_mask`,
          })
        : graph.add({
            opType: 'Equal',
            inputs: [x, forward.outputs[0] as string],
            name: `${name}_mask`,
          });
    // dy · float(mask): a cast and a product pass cost less than ONNX Runtime's `Where` with a
    // broadcast zero (about half of it on the CPU provider).
    const gradient = binary(
      graph,
      'Mul',
      outputGradients[0] as string,
      graph.add({
        opType: 'Cast',
        inputs: [mask],
        name: `${name}_mask_float`,
        attributes: { to: onnxDataType.float },
      }),
      name,
    );
    return { inputGradients: [gradient] };
  },
};
