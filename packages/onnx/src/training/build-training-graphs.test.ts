import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { onnxMessageType } from '../proto/onnx-schema.js';
import { buildTrainingGraphs } from './build-training-graphs.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function opTypes(bytes: Uint8Array): string[] {
  const ModelProto = onnxMessageType('ModelProto');
  const model = ModelProto.toObject(ModelProto.decode(bytes)) as {
    graph: { node: Array<{ opType: string }> };
  };
  return model.graph.node.map((node) => node.opType);
}

/** conv → zero padding → strided depthwise convolution with `padding` (and a second consumer). */
function paddedModel(options: { padding: 'valid' | 'same'; secondConsumer?: boolean }) {
  const input = tfl.input({ shape: [8, 8, 2] });
  const conv = tfl.layers
    .conv2d({ filters: 4, kernelSize: 1, name: 'conv' })
    .apply(input) as tfl.SymbolicTensor;
  const padded = tfl.layers
    .zeroPadding2d({
      padding: [
        [0, 1],
        [0, 1],
      ],
      name: 'pad',
    })
    .apply(conv) as tfl.SymbolicTensor;
  let output = tfl.layers
    .depthwiseConv2d({ kernelSize: 3, strides: 2, padding: options.padding, name: 'dw' })
    .apply(padded) as tfl.SymbolicTensor;
  output = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(output) as tfl.SymbolicTensor;
  if (options.secondConsumer) {
    const other = tfl.layers
      .globalAveragePooling2d({ name: 'gap2' })
      .apply(padded) as tfl.SymbolicTensor;
    output = tfl.layers.add({ name: 'add' }).apply([output, other]) as tfl.SymbolicTensor;
  }
  return tfl.model({ inputs: input, outputs: output });
}

describe('buildTrainingGraphs', () => {
  it('folds a zero padding into the valid convolution after it: no Pad forward, no Slice backward', () => {
    const model = paddedModel({ padding: 'valid' });
    const graphs = buildTrainingGraphs({
      model,
      variables: model.trainableWeights,
      batchNormTraining: () => true,
    });
    expect(opTypes(graphs.forward)).not.toContain('Pad');
    expect(opTypes(graphs.backward)).not.toContain('Slice');
    model.dispose();
  });

  it('keeps the Pad when the convolution pads itself or the padded value has another consumer', () => {
    for (const options of [
      { padding: 'same' as const },
      { padding: 'valid' as const, secondConsumer: true },
    ]) {
      const model = paddedModel(options);
      const graphs = buildTrainingGraphs({
        model,
        variables: model.trainableWeights,
        batchNormTraining: () => true,
      });
      expect(opTypes(graphs.forward)).toContain('Pad');
      model.dispose();
    }
  });
});
