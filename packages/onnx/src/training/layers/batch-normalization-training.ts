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
    const mean = reduceMean(graph, x, [0, 2, 3], true, `${name}_batch_mean`);
    const centered = binary(graph, 'Sub', x, mean, `${name}_centered`);
    const variance = reduceMean(
      graph,
      binary(graph, 'Mul', centered, centered, `${name}_squares`),
      [0, 2, 3],
      true,
      `${name}_batch_variance`,
    );
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
    const output = binary(
      graph,
      'Add',
      binary(graph, 'Mul', centered, scale, `${name}_scaled`),
      beta,
      name,
    );
    context.statistic('mean', reshape(graph, mean, [-1], `${name}_mean_out`));
    context.statistic('variance', reshape(graph, variance, [-1], `${name}_variance_out`));
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
    const normalized = binary(
      graph,
      'Mul',
      saved.centered as string,
      saved.inverseStd as string,
      `${name}_xhat`,
    );
    const sumDy = reduceSum(graph, dy, [0, 2, 3], true, `${name}_sum_dy`);
    const sumDyXhat = reduceSum(
      graph,
      binary(graph, 'Mul', dy, normalized, `${name}_dy_xhat`),
      [0, 2, 3],
      true,
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
      // dx = a · (dy − mean(dy) − x̂ · mean(dy · x̂)), the means over batch and space.
      const shape = inputs[0]?.shape as number[];
      const inverse = inverseCount(
        graph,
        inputs[0]?.name as string,
        (shape[1] as number) * (shape[2] as number),
        `${name}_inv_count`,
      );
      const meanDy = binary(graph, 'Mul', sumDy, inverse, `${name}_mean_dy`);
      const meanDyXhat = binary(graph, 'Mul', sumDyXhat, inverse, `${name}_mean_dy_xhat`);
      const centered = binary(graph, 'Sub', dy, meanDy, `${name}_dy_centered`);
      const corrected = binary(
        graph,
        'Sub',
        centered,
        binary(graph, 'Mul', normalized, meanDyXhat, `${name}_xhat_term`),
        `${name}_corrected`,
      );
      inputGradient = binary(graph, 'Mul', corrected, saved.scale as string, `${name}_input`);
    }
    return { inputGradients: [inputGradient], weightGradients };
  },
};
