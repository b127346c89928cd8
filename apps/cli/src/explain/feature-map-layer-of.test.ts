import '@graft/backbones';
import type { Classifier } from '@graft/trainer';
import { describe, expect, it } from 'vitest';
import { featureMapLayerOf } from './feature-map-layer-of.js';

const withBackbone = (name: string | undefined) =>
  ({
    metadata: {
      graft: name === undefined ? {} : { backbone: { name, weightsId: '', config: {} } },
    },
  }) as unknown as Classifier;

describe('featureMapLayerOf', () => {
  it('reads the registered descriptor of the run’s backbone', () => {
    expect(featureMapLayerOf(withBackbone('mobilenet_v2_1.0_224'))).toBe('out_relu');
    expect(featureMapLayerOf(withBackbone('resnet50'))).toBe('layer4.2.relu');
  });

  it('leaves unregistered backbones and Teachable Machine exports to explain’s default', () => {
    expect(featureMapLayerOf(withBackbone('my_net'))).toBeUndefined();
    expect(featureMapLayerOf(withBackbone(undefined))).toBeUndefined();
  });
});
