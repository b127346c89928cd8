import '@tensorflow/tfjs-backend-cpu';
import { InvalidArgumentError } from '@graft/core';
import { expectNoTensorLeaks } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import protobuf from 'protobufjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { convertToOnnx, irVersionOfOpset, onnxConverterVersion } from './convert-to-onnx.js';
import { describeOnnxModel } from './describe-onnx-model.js';
import { UnsupportedLayerError } from './errors/unsupported-layer-error.js';
import { registerLayerConverter, unregisterLayerConverter } from './index.js';
import { onnxSupport } from './onnx-support.js';
import { onnxProtoText } from './proto/onnx-proto-text.js';
import { onnxAttributeType, onnxDataType, onnxMessageType } from './proto/onnx-schema.js';
import { compareWithOnnxRuntime } from './testing/compare-with-onnx-runtime.js';

function smallConvNet(): tfl.LayersModel {
  const input = tfl.input({ shape: [8, 8, 3], name: 'pixels' });
  let x = tfl.layers
    .conv2d({
      filters: 4,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      name: 'stem',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
    })
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'stem_bn' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.reLU({ maxValue: 6, name: 'stem_relu' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    .dense({
      units: 3,
      activation: 'softmax',
      name: 'probabilities',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }),
    })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: x, name: 'small' });
}

describe('convertToOnnx', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('writes a ModelProto that the official schema parses back: IR version, opset, producer, metadata, NHWC interface', () => {
    const model = smallConvNet();
    const bytes = convertToOnnx({
      model,
      metadata: { preprocessing: '{"inputRange":[-1,1]}', weightsId: 'w1' },
    });
    // Parsed by an independent protobufjs root built from the same official text.
    const ModelProto = protobuf.parse(onnxProtoText).root.lookupType('onnx.ModelProto');
    const decoded = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number }) as {
      irVersion: number;
      opsetImport: Array<{ domain?: string; version: number }>;
      producerName: string;
      graph: { node: Array<{ opType: string }>; initializer: unknown[] };
    };
    expect(decoded.irVersion).toBe(8);
    expect(decoded.opsetImport).toEqual([{ domain: '', version: 17 }]);
    expect(decoded.producerName).toBe('graft');
    expect(describeOnnxModel(bytes).producerVersion).toBe(String(onnxConverterVersion));
    expect(decoded.graph.node.map((node) => node.opType)).toEqual([
      'Transpose',
      'Conv',
      'BatchNormalization',
      'Clip',
      'GlobalAveragePool',
      'Flatten',
      'Gemm',
      'Softmax',
      'Identity',
    ]);
    const description = describeOnnxModel(bytes);
    expect(description.inputs).toEqual([{ name: 'pixels', shape: ['batch', 8, 8, 3] }]);
    expect(description.outputs).toEqual([{ name: 'probabilities', shape: ['batch', 3] }]);
    expect(description.metadata).toEqual({
      preprocessing: '{"inputRange":[-1,1]}',
      weightsId: 'w1',
    });
    expect(description.graphName).toBe('small');
    model.dispose();
  });

  it('writes the bytes protobufjs writes for the same message made with fromObject', () => {
    const model = smallConvNet();
    const bytes = convertToOnnx({ model, metadata: { weightsId: 'w1' } });
    const ModelProto = protobuf.parse(onnxProtoText).root.lookupType('onnx.ModelProto');
    const content = ModelProto.toObject(ModelProto.decode(bytes));
    const canonical = ModelProto.encode(ModelProto.fromObject(content)).finish();
    expect(Buffer.compare(Buffer.from(bytes), Buffer.from(canonical))).toBe(0);
    model.dispose();
  });

  it.each(Object.entries(irVersionOfOpset))(
    'opset %s is written with IR version %s and runs in ONNX Runtime',
    async (opset, ir) => {
      const model = smallConvNet();
      const bytes = convertToOnnx({ model, opsetVersion: Number(opset) });
      const description = describeOnnxModel(bytes);
      expect(description.opsetVersion).toBe(Number(opset));
      expect(description.irVersion).toBe(ir);
      const input = tf.randomUniform([2, 8, 8, 3], -1, 1, 'float32', 4);
      const agreement = await compareWithOnnxRuntime({ model, bytes, input });
      expect(agreement.maxAbsolute).toBeLessThan(1e-6);
      input.dispose();
      model.dispose();
    },
  );

  it('converts a top-level Sequential model', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          inputShape: [6, 6, 2],
          filters: 3,
          kernelSize: 3,
          kernelInitializer: tfl.initializers.glorotUniform({ seed: 6 }),
        }),
        tfl.layers.flatten({}),
        tfl.layers.dense({
          units: 4,
          activation: 'softmax',
          kernelInitializer: tfl.initializers.glorotUniform({ seed: 7 }),
        }),
      ],
    });
    const input = tf.randomUniform([3, 6, 6, 2], -1, 1, 'float32', 8);
    const agreement = await compareWithOnnxRuntime({
      model,
      bytes: convertToOnnx({ model }),
      input,
    });
    expect(agreement.onnxShape).toEqual([3, 4]);
    expect(agreement.maxAbsolute).toBeLessThan(1e-6);
    input.dispose();
    model.dispose();
  });

  it('rejects an unknown opset and non-string metadata, naming the argument', () => {
    const model = smallConvNet();
    expect(() => convertToOnnx({ model, opsetVersion: 9 })).toThrow(InvalidArgumentError);
    expect(() => convertToOnnx({ model, opsetVersion: 9 })).toThrow(
      /`opsetVersion` must be one of 13, .*21\. Received: opsetVersion=9/,
    );
    expect(() =>
      convertToOnnx({ model, metadata: { classes: ['a'] as unknown as string } }),
    ).toThrow(/`metadata.classes` must be a string/);
    model.dispose();
  });

  it('describeOnnxModel rejects bytes that are not an ONNX model', () => {
    expect(() => describeOnnxModel(new Uint8Array([0xff, 0xff, 0xff]))).toThrow(/`bytes`/);
  });

  it('the schema constants match the official enum values', () => {
    const dataType = onnxMessageType('TensorProto').lookupEnum('DataType').values;
    expect(onnxDataType).toEqual({ float: dataType.FLOAT, int64: dataType.INT64 });
    const attributeType = onnxMessageType('AttributeProto').lookupEnum('AttributeType').values;
    expect(onnxAttributeType).toEqual({
      float: attributeType.FLOAT,
      int: attributeType.INT,
      string: attributeType.STRING,
      floats: attributeType.FLOATS,
      ints: attributeType.INTS,
    });
  });

  it('creates no tensor and leaves the model working', async () => {
    const model = smallConvNet();
    const before = tf.memory().numTensors;
    await expectNoTensorLeaks(() => {
      convertToOnnx({ model });
    });
    expect(tf.memory().numTensors).toBe(before);
    const input = tf.randomUniform([2, 8, 8, 3], -1, 1, 'float32', 3);
    const agreement = await compareWithOnnxRuntime({
      model,
      bytes: convertToOnnx({ model }),
      input,
    });
    expect(agreement.maxAbsolute).toBeLessThan(1e-6);
    input.dispose();
    model.dispose();
  });
});

describe('unsupported layers', () => {
  it('an LSTM: the error names the layer and its class and lists the supported classes', () => {
    const input = tfl.input({ shape: [5, 3] });
    const output = tfl.layers
      .lstm({ units: 2, name: 'sequence_encoder', recurrentInitializer: 'glorotUniform' })
      .apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output });
    let caught: unknown;
    try {
      convertToOnnx({ model });
    } catch (error) {
      caught = error;
    }
    expect(UnsupportedLayerError.isInstance(caught)).toBe(true);
    const error = caught as UnsupportedLayerError;
    expect(error.message).toMatch(
      /^Layer "sequence_encoder" \(class LSTM\) cannot be converted to ONNX: no converter is registered for LSTM\. Supported layer classes: .*Conv2D.*DepthwiseConv2D/,
    );
    expect(error.message).toContain('registerLayerConverter("LSTM", converter)');
    expect(error.layerName).toBe('sequence_encoder');
    expect(error.className).toBe('LSTM');
    expect(error.supportedClasses).toContain('GraftFusedConvolution');
    expect(onnxSupport(model)).toEqual({ supported: false, reason: error.message });
    model.dispose();
  });

  it('a supported class with a configuration its converter refuses (channels-first data, an activation without a converter)', () => {
    const input = tfl.input({ shape: [3, 8, 8] });
    const output = tfl.layers
      .conv2d({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst', name: 'nchw_conv' })
      .apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output });
    const support = onnxSupport(model);
    expect(support.supported).toBe(false);
    expect(support.supported === false && support.reason).toMatch(
      /"nchw_conv" \(class Conv2D\).*dataFormat channelsFirst/,
    );
    expect(() => convertToOnnx({ model })).toThrow(/dataFormat channelsFirst/);
    model.dispose();

    const flat = tfl.input({ shape: [4] });
    const dense = tfl.layers
      .dense({ units: 2, activation: 'gelu_new', name: 'fancy' })
      .apply(flat) as tfl.SymbolicTensor;
    const withActivation = tfl.model({ inputs: flat, outputs: dense });
    expect(() => convertToOnnx({ model: withActivation })).toThrow(
      /"fancy" \(class Dense\).*activation "gelu_new" has no converter/,
    );
    withActivation.dispose();
  });

  it('a nested model is checked layer by layer; a supported model reports supported', () => {
    const inner = tfl.sequential({
      layers: [
        tfl.layers.simpleRNN({
          units: 2,
          inputShape: [4, 3],
          name: 'inner_rnn',
          recurrentInitializer: 'glorotUniform',
        }),
      ],
    });
    const input = tfl.input({ shape: [4, 3] });
    const model = tfl.model({ inputs: input, outputs: inner.apply(input) as tfl.SymbolicTensor });
    const support = onnxSupport(model);
    expect(support.supported === false && support.reason).toMatch(
      /"inner_rnn" \(class SimpleRNN\)/,
    );
    model.dispose();
    const small = smallConvNet();
    expect(onnxSupport(small)).toEqual({ supported: true });
    small.dispose();
  });
});

/** A custom layer: y = x · factor (not registered with tfjs serialization on purpose). */
class ScaleLayer extends tfl.layers.Layer {
  static readonly className = 'TestScale';
  readonly factor: number;
  constructor(factor: number) {
    super({ name: 'custom_scale' });
    this.factor = factor;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() =>
      tf.mul(Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs, this.factor),
    );
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), factor: this.factor };
  }
}

describe('registerLayerConverter', () => {
  afterEach(() => {
    unregisterLayerConverter('TestScale');
  });

  it('a custom layer class converts once a converter is registered, and agrees with tfjs', async () => {
    await tf.setBackend('cpu');
    const input = tfl.input({ shape: [4, 4, 2] });
    let x = tfl.layers
      .conv2d({
        filters: 3,
        kernelSize: 1,
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 5 }),
      })
      .apply(input) as tfl.SymbolicTensor;
    x = new ScaleLayer(2.5).apply(x) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: x });
    expect(() => convertToOnnx({ model })).toThrow(/"custom_scale" \(class TestScale\)/);

    registerLayerConverter('TestScale', {
      convert: ({ layer, config, inputs, graph }) => [
        graph.add({
          opType: 'Mul',
          inputs: [
            inputs[0]?.name as string,
            graph.addFloatScalar(`${layer.name}_factor`, Number(config.factor)),
          ],
          name: layer.name,
        }),
      ],
    });
    expect(onnxSupport(model)).toEqual({ supported: true });
    const input1 = tf.randomUniform([3, 4, 4, 2], -1, 1, 'float32', 9);
    const agreement = await compareWithOnnxRuntime({
      model,
      bytes: convertToOnnx({ model }),
      input: input1,
    });
    expect(agreement.scale).toBeGreaterThan(0.5);
    expect(agreement.maxAbsolute).toBeLessThan(1e-6);
    input1.dispose();
    model.dispose();
  });
});
