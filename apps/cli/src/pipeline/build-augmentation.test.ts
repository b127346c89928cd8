import { describe, expect, it } from 'vitest';
import { augmentationConfigFrom, buildAugmentation } from './build-augmentation.js';

describe('augmentationConfigFrom', () => {
  it('reads op lists with JSON option values', () => {
    expect(
      augmentationConfigFrom('randomFlip,randomResizedCrop:scale=[0.8,1]:ratio=[0.75,1.33]'),
    ).toEqual({
      name: 'compose',
      options: {
        ops: [
          { name: 'randomFlip', options: {} },
          { name: 'randomResizedCrop', options: { scale: [0.8, 1], ratio: [0.75, 1.33] } },
        ],
      },
    });
  });

  it('keeps a single op unwrapped and accepts JSON', () => {
    expect(augmentationConfigFrom('randomRotation:degrees=15')).toEqual({
      name: 'randomRotation',
      options: { degrees: 15 },
    });
    expect(augmentationConfigFrom('[{"name":"randomFlip","options":{}}]')).toMatchObject({
      name: 'compose',
    });
  });

  it('builds a pipeline whose config round-trips', () => {
    const augmentation = buildAugmentation('randomFlip,randomRotation:degrees=10');
    expect(augmentation.toConfig()).toMatchObject({ name: 'compose' });
  });

  it('lists valid op names for an unknown one', () => {
    expect(() => buildAugmentation('randomFlipp')).toThrow(/randomFlip/);
  });
});
