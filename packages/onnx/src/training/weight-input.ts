import type * as tfl from '@tensorflow/tfjs-layers';
import type { OnnxGraphBuilder } from '../graph/onnx-graph-builder.js';

/** The graph input of `layer`'s weight `shortName`, declared on first use. */
export function weightInput(
  layer: tfl.layers.Layer,
  shortName: string,
  perLayer: Map<string, string>,
  all: Map<string, tfl.LayerVariable>,
  graph: OnnxGraphBuilder,
): string {
  const known = perLayer.get(shortName);
  if (known !== undefined) return known;
  const weight = layer.weights.find(
    (candidate) =>
      candidate.originalName.slice(candidate.originalName.lastIndexOf('/') + 1) === shortName,
  );
  if (weight === undefined) {
    throw new Error(
      `${layer.name} has no weight ${shortName} (it has ${layer.weights.map((w) => w.originalName).join(', ')})`,
    );
  }
  const name = graph.uniqueName(`weight_${all.size}`);
  all.set(name, weight);
  perLayer.set(shortName, name);
  return name;
}
