import {
  binary,
  inverseCount,
  perChannel,
  reduceMean,
  reduceSum,
  reshape,
} from '../graph-operations.js';
import type { ForwardResult, TrainingLayer } from '../training-layer.js';

/**
 * tfjs `BatchNormalization` over the channel axis of a rank-4 value. In training mode it
 * normalises with the batch's mean and biased variance (as `tf.moments`) and reports both, so
 * the caller updates the moving statistics as tfjs-layers does; in inference mode it is
 * `x·a + b` from the moving statistics, and only the input gradient flows.
 */
export const batchNormalizationTraining: TrainingLayer = {
  check(layer, config) {
    const axis = Array.isArray(config.axis) ? config.axis : [config.axis ?? -1];
    if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== 3)) {
      return `axis ${JSON.stringify(config.axis)} (only the channel axis of a rank-4 input)`;
    }
    if (config.center === false || config.scale === false) {
      return 'center or scale disabled (both are needed)';
    }
    const rank = layer.inputSpec?.[0]?.ndim;
    if (rank !== undefined && rank !== 4) return `input rank ${rank} (only 4)`;
    return undefined;
  },
  forward(context): ForwardResult {
    const { graph, layer, inputs } = context;
    const x = inputs[0]?.name as string;
    if (inputs[0]?.shape.length !== 4) throw new Error(`${layer.name}: rank-4 input expected`);
    const name = layer.name;
    const epsilon = graph.addFloatScalar(`${name}_epsilon`, Number(context.config.epsilon ?? 1e-3));
    const gamma = perChannel(graph, context.weight('gamma'), `${name}_gamma4`);
    const beta = perChannel(graph, context.weight('beta'), `${name}_beta4`);
    if (!context.training) {
      const variance = perChannel(graph, context.weight('moving_variance'), `${name}_var4`);
      const mean = perChannel(graph, context.weight('moving_mean'), `${name}_mean4`);
      const scale = binary(
        graph,
        'Div',
        gamma,
        graph.add({
          opType: 'Sqrt',
          inputs: [binary(graph, 'Add', variance, epsilon, `${name}_var_eps`)],
          name: `${name}_std`,
        }),
        `${name}_a`,
      );
      const shift = binary(
        graph,
        'Sub',
        beta,
        binary(graph, 'Mul', mean, scale, `${name}_ma`),
        `${name}_b`,
      );
      const output = binary(
        graph,
        'Add',
        binary(graph, 'Mul', x, scale, `${name}_xa`),
        shift,
        name,
      );
      return { outputs: [output], saved: { scale } };
    }
    // Four passes over x: the mean, x − mean, its sum of squares, then ONNX BatchNormalization
    // (inference form) with the batch's own statistics.
    const shape = inputs[0]?.shape as number[];
    const mean = reduceMean(graph, x, [0, 2, 3], true, `${name}_batch_mean`);
    const centered = binary(graph, 'Sub', x, mean, `${name}_centered`);
    const inverse = inverseCount(
      graph,
      x,
      (shape[1] as number) * (shape[2] as number),
      `${name}_inv_count`,
    );
    const variance = binary(
      graph,
      'Mul',
      graph.add({
        opType: 'ReduceSumSquare',
        inputs: [centered],
        name: `${name}_sum_squares`,
        attributes: { axes: [0, 2, 3], keepdims: 1 },
      }),
      inverse,
      `${name}_batch_variance`,
    );
    const meanVector = reshape(graph, mean, [-1], `${name}_mean_out`);
    const varianceVector = reshape(graph, variance, [-1], `${name}_variance_out`);
    const output = graph.add({
      opType: 'BatchNormalization',
      inputs: [x, context.weight('gamma'), context.weight('beta'), meanVector, varianceVector],
      name,
      attributes: { epsilon: Number(context.config.epsilon ?? 1e-3) },
      floats: ['epsilon'],
    });
    const inverseStd = graph.add({
      opType: 'Reciprocal',
      inputs: [
        graph.add({
          opType: 'Sqrt',
          inputs: [binary(graph, 'Add', variance, epsilon, `${name}_var_eps`)],
          name: `${name}_std`,
        }),
      ],
      name: `${name}_inv_std`,
    });
    const scale = binary(graph, 'Mul', gamma, inverseStd, `${name}_a`);
    context.statistic('mean', meanVector);
    context.statistic('variance', varianceVector);
    return { outputs: [output], saved: { centered, inverseStd, scale } };
  },
  backward(context) {
    const { graph, layer, inputs } = context;
    const name = `${layer.name}_grad`;
    const dy = context.outputGradients[0] as string;
    const saved = context.forward.saved as Record<string, string>;
    if (!context.training) {
      const inputGradient = context.inputNeedsGradient[0]
        ? binary(graph, 'Mul', dy, saved.scale as string, `${name}_input`)
        : undefined;
      return { inputGradients: [inputGradient] };
    }
    // Σ dy·x̂ = σ⁻¹ · Σ dy·(x − μ): x̂ is never materialised.
    const sumDy = reduceSum(graph, dy, [0, 2, 3], true, `${name}_sum_dy`);
    const sumDyCentered = reduceSum(
      graph,
      binary(graph, 'Mul', dy, saved.centered as string, `${name}_dy_centered`),
      [0, 2, 3],
      true,
      `${name}_sum_dy_centered`,
    );
    const sumDyXhat = binary(
      graph,
      'Mul',
      sumDyCentered,
      saved.inverseStd as string,
      `${name}_sum_dy_xhat`,
    );
    const weightGradients: Record<string, string> = {};
    if (context.weightNeedsGradient('gamma')) {
      weightGradients.gamma = reshape(graph, sumDyXhat, [-1], `${name}_gamma`);
    }
    if (context.weightNeedsGradient('beta')) {
      weightGradients.beta = reshape(graph, sumDy, [-1], `${name}_beta`);
    }
    let inputGradient: string | undefined;
    if (context.inputNeedsGradient[0]) {
      // dx = a·(dy − mean(dy) − x̂·mean(dy·x̂)) = a·dy + b·(x − μ) + c with per-channel
      // b = −a·σ⁻¹·mean(dy·x̂) and c = −a·mean(dy); b·(x − μ) + c is one BatchNormalization
      // pass (mean 0, variance 1 − ε), so dx costs three passes.
      const shape = inputs[0]?.shape as number[];
      const inverse = inverseCount(
        graph,
        inputs[0]?.name as string,
        (shape[1] as number) * (shape[2] as number),
        `${name}_inv_count`,
      );
      const a = saved.scale as string;
      const negativeA = graph.add({ opType: 'Neg', inputs: [a], name: `${name}_neg_a` });
      const b = binary(
        graph,
        'Mul',
        binary(graph, 'Mul', negativeA, saved.inverseStd as string, `${name}_a_inv_std`),
        binary(graph, 'Mul', sumDyXhat, inverse, `${name}_mean_dy_xhat`),
        `${name}_b`,
      );
      const c = binary(
        graph,
        'Mul',
        negativeA,
        binary(graph, 'Mul', sumDy, inverse, `${name}_mean_dy`),
        `${name}_c`,
      );
      const epsilon = Number(context.config.epsilon ?? 1e-3);
      const channels = shape[3] as number;
      const linear = graph.add({
        opType: 'BatchNormalization',
        inputs: [
          saved.centered as string,
          reshape(graph, b, [-1], `${name}_b_vector`),
          reshape(graph, c, [-1], `${name}_c_vector`),
          graph.addFloatTensor(`${name}_zero_mean`, new Float32Array(channels), [channels]),
          graph.addFloatTensor(
            `${name}_unit_variance`,
            new Float32Array(channels).fill(1 - epsilon),
            [channels],
          ),
        ],
        name: `${name}_linear`,
        attributes: { epsilon },
        floats: ['epsilon'],
      });
      inputGradient = binary(
        graph,
        'Add',
        binary(graph, 'Mul', dy, a, `${name}_dy_a`),
        linear,
        `${name}_input`,
      );
    }
    return { inputGradients: [inputGradient], weightGradients };
  },
};
