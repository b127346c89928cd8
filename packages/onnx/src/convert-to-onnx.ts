import { InvalidArgumentError } from '@graft/core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { convertLayers, findUnsupportedLayer } from './convert/convert-layers.js';
import type { OnnxValue } from './convert/layer-converter.js';
import { toChannelsFirst, toChannelsLast } from './convert/layout.js';
import { OnnxGraphBuilder } from './graph/onnx-graph-builder.js';
import { onnxDataType, onnxMessageType } from './proto/onnx-schema.js';

/**
 * Version of the graphs this converter writes, bumped whenever the same model would convert to a
 * different graph: put it in the key of any on-disk cache of converted models, next to the
 * weights' identity. Also written as the model's `producer_version` unless one is given.
 */
export const onnxConverterVersion = 1;

/** Opset written when none is asked for: loads in ONNX Runtime ≥ 1.12 (Node, web, Python). */
export const defaultOpsetVersion = 17;

/** Opsets the converter can write, with the IR version each needs (the lowest that allows it). */
export const irVersionOfOpset: Readonly<Record<number, number>> = Object.freeze({
  13: 7,
  14: 7,
  15: 8,
  16: 8,
  17: 8,
  18: 8,
  19: 9,
  20: 9,
  21: 10,
});

/** Options of {@link convertToOnnx}. */
export interface ConvertToOnnxOptions {
  /**
   * The tfjs model: float32 inputs (rank-4 ones NHWC), any layers with a registered converter
   * (see `listLayerConverters`), nested models included. Read, never modified.
   */
  model: tfl.LayersModel;
  /** ONNX opset of the default domain, 13–21. Default {@link defaultOpsetVersion} (17). */
  opsetVersion?: number;
  /** `producer_name` of the model. Default `graft`. */
  producerName?: string;
  /** `producer_version` of the model. Default `String(onnxConverterVersion)`. */
  producerVersion?: string;
  /** String key/value pairs stored as the model's `metadata_props` (e.g. preprocessing as JSON). */
  metadata?: Record<string, string>;
  /** `doc_string` of the model. Default empty. */
  docString?: string;
}

/**
 * Builds a serialized ONNX `ModelProto` computing what `model.predict` computes in inference
 * mode, with the same interface: inputs and outputs keep their tfjs names and channels-last
 * shapes (`[N, H, W, C]` images in, e.g. `[N, features]` or `[N, classes]` out), the batch
 * dimension symbolic (`batch`), so a caller feeds the same pixels to either engine. Inside, each
 * rank-4 input is transposed once to NCHW, ONNX's native layout, and every rank-4 output back.
 *
 * Throws an {@link UnsupportedLayerError} (before reading any weight) naming the first layer
 * without a converter or with a configuration its converter refuses; `onnxSupport` tells the
 * same without throwing. Weights are read with `dataSync` into plain arrays: no tensor is created.
 */
export function convertToOnnx(options: ConvertToOnnxOptions): Uint8Array {
  const { model } = options;
  const opsetVersion = options.opsetVersion ?? defaultOpsetVersion;
  const irVersion = irVersionOfOpset[opsetVersion];
  if (irVersion === undefined) {
    throw new InvalidArgumentError({
      argument: 'opsetVersion',
      value: opsetVersion,
      expected: `must be one of ${Object.keys(irVersionOfOpset).join(', ')}`,
    });
  }
  checkMetadata(options.metadata);
  checkInputs(model);
  const unsupported = findUnsupportedLayer(model);
  if (unsupported !== undefined) throw unsupported;

  const graph = new OnnxGraphBuilder();
  const inputNames = model.inputs.map((_, index) => graph.reserveName(inputName(model, index)));
  const outputNames = model.outputs.map((_, index) =>
    graph.reserveName(outputName(model, index, new Set(inputNames))),
  );
  const inputs: OnnxValue[] = model.inputs.map((tensor, index) => {
    const name = inputNames[index] as string;
    if (tensor.shape.length !== 4) return { name, shape: tensor.shape };
    const transposed = graph.add({
      opType: 'Transpose',
      inputs: [name],
      name: `${name}_nchw`,
      attributes: { perm: toChannelsFirst },
    });
    return { name: transposed, shape: tensor.shape };
  });
  const results = convertLayers(graph, model, inputs);
  results.forEach((value, index) => {
    const output = outputNames[index] as string;
    if (value.shape.length === 4) {
      graph.add({
        opType: 'Transpose',
        inputs: [value.name],
        name: `${output}_nhwc`,
        output,
        attributes: { perm: toChannelsLast },
      });
    } else {
      graph.add({ opType: 'Identity', inputs: [value.name], name: `${output}_identity`, output });
    }
  });

  const ModelProto = onnxMessageType('ModelProto');
  // Encoded as it is: every field already has its wire type (numbers, strings, byte arrays), so
  // `fromObject`'s conversion would only copy the graph (and generate its code on first use).
  const message = {
    irVersion,
    opsetImport: [{ domain: '', version: opsetVersion }],
    producerName: options.producerName ?? 'graft',
    producerVersion: options.producerVersion ?? String(onnxConverterVersion),
    docString: options.docString ?? '',
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: model.name,
      node: graph.nodes,
      initializer: graph.initializers,
      input: model.inputs.map((tensor, index) =>
        valueInfo(inputNames[index] as string, tensor.shape),
      ),
      output: model.outputs.map((tensor, index) =>
        valueInfo(outputNames[index] as string, tensor.shape),
      ),
    },
  };
  return ModelProto.encode(message).finish();
}

/** A float32 `ValueInfoProto`; unknown dimensions get symbolic names (`batch` for the first). */
function valueInfo(name: string, shape: tfl.Shape): Record<string, unknown> {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnxDataType.float,
        shape: {
          dim: shape.map((size, axis) =>
            size === null || size === undefined
              ? { dimParam: axis === 0 ? 'batch' : `${name}_dim${axis}` }
              : { dimValue: size },
          ),
        },
      },
    },
  };
}

function inputName(model: tfl.LayersModel, index: number): string {
  return model.inputNames?.[index] ?? `input_${index}`;
}

/** The output layer's name; made unique against the inputs and earlier outputs. */
function outputName(model: tfl.LayersModel, index: number, taken: Set<string>): string {
  let name = model.outputNames?.[index] ?? `output_${index}`;
  const base = name;
  for (let suffix = 1; taken.has(name); suffix++) name = `${base}_${suffix}`;
  taken.add(name);
  return name;
}

function checkMetadata(metadata: Record<string, string> | undefined): void {
  if (metadata === undefined) return;
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') {
      throw new InvalidArgumentError({
        argument: `metadata.${key}`,
        value,
        expected: 'must be a string (encode objects as JSON)',
      });
    }
  }
}

function checkInputs(model: tfl.LayersModel): void {
  model.inputs.forEach((tensor, index) => {
    if (tensor.dtype !== 'float32') {
      throw new InvalidArgumentError({
        argument: `model.inputs[${index}].dtype`,
        value: tensor.dtype,
        expected: 'must be float32',
      });
    }
  });
}
