import type * as tfl from '@tensorflow/tfjs-layers';
import { toChannelsFirstAxis } from '../../convert/layout.js';
import type { OnnxGraphBuilder } from '../../graph/onnx-graph-builder.js';
import { binary, reduceSum } from '../graph-operations.js';
import type { TrainingLayer } from '../training-layer.js';

/**
 * `gradient` summed back to an input of tfjs shape `shape` that was broadcast to `outputShape`
 * (squeeze-excitation's `[N, 1, 1, C]` gate against `[N, H, W, C]`): summed over the graph axes
 * where the input has size 1 and the output does not, dims kept.
 */
function unbroadcast(
  graph: OnnxGraphBuilder,
  gradient: string,
  shape: tfl.Shape,
  outputShape: tfl.Shape,
  name: string,
): string {
  const axes = shape
    .map((size, axis) => (size === 1 && outputShape[axis] !== 1 ? axis : -1))
    .filter((axis) => axis >= 0)
    .map((axis) => toChannelsFirstAxis(axis, shape.length));
  return axes.length === 0 ? gradient : reduceSum(graph, gradient, axes, true, name);
}

/**
 * tfjs `Multiply` of two inputs of the same rank, either broadcast along axes of size 1 (the
 * squeeze-excitation product): each input's gradient is the output gradient times the other
 * input, summed over the axes it was broadcast along.
 */
export const multiplyTraining: TrainingLayer = {
  check: (layer) => {
    const shapes = layer.inboundNodes.flatMap(
      (node) => (node as unknown as { inputShapes: tfl.Shape[] }).inputShapes,
    );
    const ranks = new Set(shapes.map((shape) => shape.length));
    if (shapes.length !== 2) return `${shapes.length} inputs (only 2)`;
    return ranks.size === 1 ? undefined : 'inputs of different ranks';
  },
  forward({ graph, layer, inputs }) {
    const [left, right] = inputs;
    return {
      outputs: [binary(graph, 'Mul', left?.name as string, right?.name as string, layer.name)],
    };
  },
  backward({ graph, layer, inputs, outputShapes, outputGradients, inputNeedsGradient }) {
    const dy = outputGradients[0] as string;
    const outputShape = outputShapes[0] as tfl.Shape;
    const inputGradients = inputs.map((input, index) => {
      if (!inputNeedsGradient[index]) return undefined;
      const other = inputs[1 - index]?.name as string;
      const name = `${layer.name}_grad_${index}`;
      const full = binary(graph, 'Mul', dy, other, `${name}_full`);
      return unbroadcast(graph, full, input.shape, outputShape, name);
    });
    return { inputGradients };
  },
};
