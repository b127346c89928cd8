import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { backboneFromModel } from '../custom/backbone-from-model.js';
import { buildResNet, resNetFeatureMapLayer } from '../resnet/resnet-architecture.js';
import { createBackbone, getBackboneDescriptor, listBackbones } from './backbone-registry.js';
import '../register-built-ins.js';

/** The 4-D tensor the backbone's global pooling reads. */
function pooledMapLayer(model: tfl.LayersModel): string {
  const output = model.outputs[0] as tfl.SymbolicTensor;
  const node = (
    output.sourceLayer as unknown as {
      inboundNodes: Array<{ inputTensors: tfl.SymbolicTensor[] }>;
    }
  ).inboundNodes[output.nodeIndex];
  return node?.inputTensors[0]?.sourceLayer.name ?? '(none)';
}

describe('featureMapLayer of the built-in backbones', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('is declared by every registered descriptor', () => {
    const names = listBackbones();
    expect(names.length).toBeGreaterThanOrEqual(11);
    for (const name of names) {
      expect(getBackboneDescriptor(name).featureMapLayer, name).toMatch(
        // Keras MobileNetV2, ResNet, and the torchvision ports (MobileNetV3/EfficientNet's last
        // conv activation `features.<k>.2`, ConvNeXt's last block `features.7.2.add`).
        /^(out_relu|layer4\.\d\.relu|features\.\d+\.2|features\.7\.2\.add)$/,
      );
    }
  });

  it.each([
    ['mobilenet_v2_0.35_224', [96, 96]],
    ['resnet18', [32, 32]],
    ['resnet50', [32, 32]],
    ['mobilenet_v3_small', [32, 32]],
    ['efficientnet_b0', [32, 32]],
  ] as const)('names the map %s pools, in the backbone it creates', async (name, inputSize) => {
    const backbone = await createBackbone(name, { pretrained: false, inputSize });
    try {
      const declared = getBackboneDescriptor(name).featureMapLayer;
      expect(backbone.featureMapLayer).toBe(declared);
      expect(pooledMapLayer(backbone.model)).toBe(declared);
      const layer = backbone.model.getLayer(declared as string);
      expect((layer.output as tfl.SymbolicTensor).shape).toHaveLength(4);
    } finally {
      backbone.dispose();
    }
  });

  it('follows the block counts of the deeper ResNets', () => {
    expect([34, 101, 152].map((depth) => resNetFeatureMapLayer(depth as 34 | 101 | 152))).toEqual([
      'layer4.2.relu',
      'layer4.2.relu',
      'layer4.2.relu',
    ]);
  });

  it('defaults, for a custom model, to the map its global pooling reads, and checks a given one', () => {
    const model = buildResNet({ depth: 18, inputSize: [32, 32], seed: 0 });
    const backbone = backboneFromModel({
      model,
      preprocessing: getBackboneDescriptor('resnet18').preprocessing,
    });
    expect(backbone.featureMapLayer).toBe('layer4.1.relu');
    expect(() =>
      backboneFromModel({
        model,
        preprocessing: backbone.preprocessing,
        featureMapLayer: 'avgpool',
      }),
    ).toThrow(/featureMapLayer.*4-D output.*layer4\.1\.relu.*featureMapLayer="avgpool"/);
    backbone.dispose();
  });
});
