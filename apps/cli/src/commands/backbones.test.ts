import { describe, expect, it } from 'vitest';
import { listBackboneDescriptions } from './backbones.js';

describe('graft backbones listing', () => {
  it('lists the torchvision ports with upstream figures, parameters and licences', () => {
    const listing = listBackboneDescriptions('efficientnet_b0');
    expect(listing).toEqual([
      expect.objectContaining({
        name: 'efficientnet_b0',
        family: 'efficientnet',
        inputSizes: ['224×224'],
        featureDim: 1280,
        parameters: 4_007_548,
        upstream: {
          imageNetTop1: 77.692,
          gigaFlops: 0.386,
          source: 'torchvision model card (IMAGENET1K_V1)',
        },
      }),
    ]);
    expect(listing[0]?.weights[0]).toMatchObject({
      format: 'pytorch',
      url: 'https://download.pytorch.org/models/efficientnet_b0_rwightman-3dd342df.pth',
    });
    const names = listBackboneDescriptions().map((backbone) => backbone.name);
    expect(names).toEqual(
      expect.arrayContaining(['mobilenet_v3_small', 'mobilenet_v3_large', 'convnext_tiny']),
    );
    // Families without quoted figures say so rather than inventing them.
    expect(listBackboneDescriptions('resnet18')[0]?.upstream).toBeNull();
  });
});
