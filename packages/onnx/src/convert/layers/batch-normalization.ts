import type { LayerConverter } from '../layer-converter.js';

/** The normalised axis of a tfjs BatchNormalization config (a number or a one-element list). */
function batchNormAxis(config: Record<string, unknown>): number | undefined {
  const axis = Array.isArray(config.axis) ? config.axis : [config.axis ?? -1];
  return axis.length === 1 && typeof axis[0] === 'number' ? axis[0] : undefined;
}

/**
 * tfjs `BatchNormalization` in inference mode (moving statistics) over the channel (last) axis
 * → ONNX `BatchNormalization` for rank 2 and 4 (channel axis 1 in the graph; ONNX Runtime folds
 * it into a preceding Conv), `Mul` + `Add` with the per-channel scale and shift otherwise.
 */
export const batchNormalizationConverter: LayerConverter = {
  check: (layer, config) => {
    const axis = batchNormAxis(config);
    const rank = layer.inputSpec?.[0]?.ndim ?? undefined;
    if (axis === undefined) return `axis ${JSON.stringify(config.axis)} (one axis expected)`;
    if (axis !== -1 && (rank === undefined || axis !== rank - 1)) {
      return `axis ${axis} (only the last, channel, axis is supported)`;
    }
    return undefined;
  },
  convert: ({ layer, config, inputs, graph, weights }) => {
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    const rank = input.shape.length;
    const axis = batchNormAxis(config);
    if (axis !== -1 && axis !== rank - 1) {
      throw new Error(`${layer.name}: BatchNormalization over axis ${axis} is not supported`);
    }
    const channels = input.shape[rank - 1] as number;
    const all = weights();
    const read = (name: string, fallback: number) =>
      all.get(name)?.values ?? new Float32Array(channels).fill(fallback);
    const gamma = read('gamma', 1);
    const beta = read('beta', 0);
    const mean = read('moving_mean', 0);
    const variance = read('moving_variance', 1);
    const epsilon = Number(config.epsilon ?? 1e-3);
    if (rank === 2 || rank === 4) {
      return [
        graph.add({
          opType: 'BatchNormalization',
          inputs: [
            input.name,
            graph.addFloatTensor(`${layer.name}_gamma`, gamma, [channels]),
            graph.addFloatTensor(`${layer.name}_beta`, beta, [channels]),
            graph.addFloatTensor(`${layer.name}_mean`, mean, [channels]),
            graph.addFloatTensor(`${layer.name}_variance`, variance, [channels]),
          ],
          name: layer.name,
          attributes: { epsilon },
          floats: ['epsilon'],
        }),
      ];
    }
    // Same arithmetic order as tfjs: (x − μ)·γ/√(σ²+ε) + β, as x·scale + shift.
    const scale = new Float32Array(channels);
    const shift = new Float32Array(channels);
    for (let channel = 0; channel < channels; channel++) {
      const factor =
        (gamma[channel] as number) / Math.sqrt((variance[channel] as number) + epsilon);
      scale[channel] = factor;
      shift[channel] = (beta[channel] as number) - (mean[channel] as number) * factor;
    }
    const scaled = graph.add({
      opType: 'Mul',
      inputs: [input.name, graph.addFloatTensor(`${layer.name}_scale`, scale, [channels])],
      name: `${layer.name}_scale`,
    });
    return [
      graph.add({
        opType: 'Add',
        inputs: [scaled, graph.addFloatTensor(`${layer.name}_shift`, shift, [channels])],
        name: layer.name,
      }),
    ];
  },
};
