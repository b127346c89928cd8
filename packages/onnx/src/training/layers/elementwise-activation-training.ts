import type { OnnxGraphBuilder } from '../../graph/onnx-graph-builder.js';
import { binary } from '../graph-operations.js';
import type { TrainingLayer } from '../training-layer.js';

/** One elementwise activation: its forward nodes and `dy · f′(x)`. */
interface ElementwiseActivation {
  /** Adds `y = f(x)`; returns `y` and values the derivative reuses. */
  forward(graph: OnnxGraphBuilder, x: string, name: string): { y: string; saved: string[] };
  /** Adds `dx = dy · f′(x)` from the input, the forward values and the output gradient. */
  backward(graph: OnnxGraphBuilder, x: string, saved: string[], dy: string, name: string): string;
}

/** `Cast(condition, float)`. */
function asFloat(graph: OnnxGraphBuilder, condition: string, name: string): string {
  return graph.add({ opType: 'Cast', inputs: [condition], name, attributes: { to: 1 } });
}

/** 1 where `−3 < x ≤ 3`: where tfjs's relu6(x + 3) passes a gradient (0 < x + 3 ≤ 6). */
function hardRegion(graph: OnnxGraphBuilder, x: string, name: string): string {
  const above = graph.add({
    opType: 'Greater',
    inputs: [x, graph.addFloatScalar(`${name}_minus_three`, -3)],
    name: `${name}_above`,
  });
  const below = graph.add({
    opType: 'LessOrEqual',
    inputs: [x, graph.addFloatScalar(`${name}_three`, 3)],
    name: `${name}_below`,
  });
  return asFloat(
    graph,
    graph.add({ opType: 'And', inputs: [above, below], name: `${name}_and` }),
    name,
  );
}

/** PyTorch's hard sigmoid `relu6(x + 3) / 6` as ONNX `HardSigmoid(α 1/6, β ½)`. */
function hardSigmoidNode(graph: OnnxGraphBuilder, x: string, name: string): string {
  return graph.add({
    opType: 'HardSigmoid',
    inputs: [x],
    name,
    attributes: { alpha: 1 / 6, beta: 0.5 },
    floats: ['alpha', 'beta'],
  });
}

const sigmoid: ElementwiseActivation = {
  forward: (graph, x, name) => {
    const y = graph.add({ opType: 'Sigmoid', inputs: [x], name });
    return { y, saved: [y] };
  },
  // σ′ = σ(1 − σ).
  backward: (graph, _x, [y], dy, name) => {
    const oneMinus = binary(
      graph,
      'Sub',
      graph.addFloatScalar(`${name}_one`, 1),
      y as string,
      `${name}_one_minus`,
    );
    const derivative = binary(graph, 'Mul', y as string, oneMinus, `${name}_derivative`);
    return binary(graph, 'Mul', dy, derivative, name);
  },
};

/** tfjs `swish` (= PyTorch SiLU): `x · σ(x)`, derivative `σ + x·σ(1 − σ)`. */
const swish: ElementwiseActivation = {
  forward: (graph, x, name) => {
    const gate = graph.add({ opType: 'Sigmoid', inputs: [x], name: `${name}_sigmoid` });
    return { y: binary(graph, 'Mul', x, gate, name), saved: [gate] };
  },
  backward: (graph, x, [gate], dy, name) => {
    const oneMinus = binary(
      graph,
      'Sub',
      graph.addFloatScalar(`${name}_one`, 1),
      gate as string,
      `${name}_one_minus`,
    );
    const slope = binary(graph, 'Mul', gate as string, oneMinus, `${name}_slope`);
    const derivative = binary(
      graph,
      'Add',
      gate as string,
      binary(graph, 'Mul', x, slope, `${name}_x_slope`),
      `${name}_derivative`,
    );
    return binary(graph, 'Mul', dy, derivative, name);
  },
};

/** tfjs `gelu`: `x · Φ(x)`, `Φ(x) = ½(1 + erf(x/√2))`; derivative `Φ(x) + x·exp(−x²/2)/√(2π)`. */
const gelu: ElementwiseActivation = {
  forward: (graph, x, name) => {
    const scaled = binary(
      graph,
      'Div',
      x,
      graph.addFloatScalar(`${name}_sqrt2`, Math.SQRT2),
      `${name}_scaled`,
    );
    const erf = graph.add({ opType: 'Erf', inputs: [scaled], name: `${name}_erf` });
    const cdf = binary(
      graph,
      'Mul',
      graph.addFloatScalar(`${name}_half`, 0.5),
      binary(graph, 'Add', graph.addFloatScalar(`${name}_one`, 1), erf, `${name}_one_plus`),
      `${name}_cdf`,
    );
    return { y: binary(graph, 'Mul', x, cdf, name), saved: [cdf] };
  },
  backward: (graph, x, [cdf], dy, name) => {
    const square = binary(graph, 'Mul', x, x, `${name}_square`);
    const exponent = binary(
      graph,
      'Mul',
      square,
      graph.addFloatScalar(`${name}_minus_half`, -0.5),
      `${name}_exponent`,
    );
    const density = binary(
      graph,
      'Mul',
      graph.add({ opType: 'Exp', inputs: [exponent], name: `${name}_exp` }),
      graph.addFloatScalar(`${name}_inverse_sqrt_2pi`, 1 / Math.sqrt(2 * Math.PI)),
      `${name}_density`,
    );
    const derivative = binary(
      graph,
      'Add',
      cdf as string,
      binary(graph, 'Mul', x, density, `${name}_x_density`),
      `${name}_derivative`,
    );
    return binary(graph, 'Mul', dy, derivative, name);
  },
};

const linear: ElementwiseActivation = {
  forward: (_graph, x) => ({ y: x, saved: [] }),
  backward: (_graph, _x, _saved, dy) => dy,
};

/** PyTorch `Hardswish`: `x · hs(x)`, derivative `hs(x) + x/6` on −3 < x ≤ 3 (tfjs's relu6 mask). */
const hardSwish: ElementwiseActivation = {
  forward: (graph, x, name) => {
    const gate = hardSigmoidNode(graph, x, `${name}_gate`);
    return { y: binary(graph, 'Mul', x, gate, name), saved: [gate] };
  },
  backward: (graph, x, [gate], dy, name) => {
    const region = hardRegion(graph, x, `${name}_region`);
    const slope = binary(
      graph,
      'Mul',
      region,
      graph.addFloatScalar(`${name}_sixth`, 1 / 6),
      `${name}_slope`,
    );
    const derivative = binary(
      graph,
      'Add',
      gate as string,
      binary(graph, 'Mul', x, slope, `${name}_x_slope`),
      `${name}_derivative`,
    );
    return binary(graph, 'Mul', dy, derivative, name);
  },
};

/** PyTorch `Hardsigmoid`: derivative 1/6 on −3 < x ≤ 3. */
const hardSigmoid: ElementwiseActivation = {
  forward: (graph, x, name) => ({ y: hardSigmoidNode(graph, x, name), saved: [] }),
  backward: (graph, x, _saved, dy, name) => {
    const slope = binary(
      graph,
      'Mul',
      hardRegion(graph, x, `${name}_region`),
      graph.addFloatScalar(`${name}_sixth`, 1 / 6),
      `${name}_slope`,
    );
    return binary(graph, 'Mul', dy, slope, name);
  },
};

/** Activations of tfjs `Activation` layers with a training layer, by serialised name. */
const activations: Record<string, ElementwiseActivation> = { linear, sigmoid, swish, gelu };

function trainingLayerOf(pick: (config: Record<string, unknown>) => ElementwiseActivation) {
  const layer: TrainingLayer = {
    forward({ graph, layer: tfjsLayer, inputs, config }) {
      const x = inputs[0]?.name as string;
      const { y, saved } = pick(config).forward(graph, x, tfjsLayer.name);
      return {
        outputs: [y],
        saved: Object.fromEntries(saved.map((value, index) => [String(index), value])),
      };
    },
    backward({
      graph,
      layer: tfjsLayer,
      inputs,
      config,
      forward,
      outputGradients,
      inputNeedsGradient,
    }) {
      if (!inputNeedsGradient[0]) return { inputGradients: [undefined] };
      const saved = Object.keys(forward.saved ?? {})
        .sort((left, right) => Number(left) - Number(right))
        .map((key) => (forward.saved as Record<string, string>)[key] as string);
      const gradient = pick(config).backward(
        graph,
        inputs[0]?.name as string,
        saved,
        outputGradients[0] as string,
        `${tfjsLayer.name}_grad`,
      );
      return { inputGradients: [gradient] };
    },
  };
  return layer;
}

/** tfjs `Activation` layers: linear, sigmoid, swish (SiLU) and gelu (erf). */
export const activationTraining: TrainingLayer = {
  check: (_layer, config) =>
    activations[String(config.activation)] === undefined
      ? `activation ${String(config.activation)} (supported: ${Object.keys(activations).join(', ')})`
      : undefined,
  ...trainingLayerOf((config) => activations[String(config.activation)] as ElementwiseActivation),
};

/** @graft/backbones' `GraftHardSwish` (MobileNetV3). */
export const hardSwishTraining = trainingLayerOf(() => hardSwish);

/** @graft/backbones' `GraftHardSigmoid` (MobileNetV3's squeeze-excitation gate). */
export const hardSigmoidTraining = trainingLayerOf(() => hardSigmoid);
