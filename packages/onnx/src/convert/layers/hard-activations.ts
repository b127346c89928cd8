import type { LayerConverter } from '../layer-converter.js';

/** PyTorch's hard sigmoid `relu6(x + 3) / 6` is ONNX `HardSigmoid` with α = 1/6, β = ½. */
function hardSigmoidNode(
  graph: Parameters<LayerConverter['convert']>[0]['graph'],
  input: string,
  name: string,
): string {
  return graph.add({
    opType: 'HardSigmoid',
    inputs: [input],
    name,
    attributes: { alpha: 1 / 6, beta: 0.5 },
    floats: ['alpha', 'beta'],
  });
}

/**
 * @graft/backbones' `GraftHardSigmoid` (MobileNetV3's squeeze-excitation gate) → `HardSigmoid`
 * with PyTorch's constants (not tfjs's `hardSigmoid` activation, which is Keras's 0.2x + 0.5).
 */
export const hardSigmoidLayerConverter: LayerConverter = {
  convert: ({ layer, inputs, graph }) => {
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    return [hardSigmoidNode(graph, input.name, layer.name)];
  },
};

/**
 * @graft/backbones' `GraftHardSwish` → `x · HardSigmoid(x)`: the ONNX `HardSwish` op needs
 * opset 14 and the converter writes 13–21, so it is spelled out (ONNX Runtime fuses it back).
 */
export const hardSwishLayerConverter: LayerConverter = {
  convert: ({ layer, inputs, graph }) => {
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    const gate = hardSigmoidNode(graph, input.name, `${layer.name}_gate`);
    return [graph.add({ opType: 'Mul', inputs: [input.name, gate], name: layer.name })];
  },
};
