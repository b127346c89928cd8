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

  it('reads the syntax --head and --schedule use: ops joined by +, options name:key=value,…', () => {
    const notes: string[] = [];
    const onDeprecation = (message: string) => void notes.push(message);
    expect(
      augmentationConfigFrom(
        'randomFlip+randomResizedCrop:scale=[0.8,1],ratio=[0.75,1.33]+randomRotation:degrees=15',
        { onDeprecation },
      ),
    ).toEqual({
      name: 'compose',
      options: {
        ops: [
          { name: 'randomFlip', options: {} },
          { name: 'randomResizedCrop', options: { scale: [0.8, 1], ratio: [0.75, 1.33] } },
          { name: 'randomRotation', options: { degrees: 15 } },
        ],
      },
    });
    expect(augmentationConfigFrom('randomRotation:degrees=15,fill=0', { onDeprecation })).toEqual({
      name: 'randomRotation',
      options: { degrees: 15, fill: 0 },
    });
    expect(notes).toEqual([]);
  });

  it('still reads the old syntax, saying how to write it now', () => {
    const cases: Array<[string, string]> = [
      ['randomFlip,randomRotation:degrees=15', 'randomFlip+randomRotation:degrees=15'],
      ['randomRotation:degrees=15:fill=0', 'randomRotation:degrees=15,fill=0'],
      ['randomRotation:degrees=15,randomFlip', 'randomRotation:degrees=15+randomFlip'],
    ];
    for (const [old, modern] of cases) {
      const notes: string[] = [];
      const config = augmentationConfigFrom(old, {
        onDeprecation: (message) => notes.push(message),
      });
      expect(config, old).toEqual(augmentationConfigFrom(modern));
      expect(notes, old).toEqual([expect.stringContaining(`write ${modern} (ops joined by +`)]);
    }
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
    const augmentation = buildAugmentation('randomFlip,randomRotation:degrees=10', {
      imageSize: [224, 224],
    });
    expect(augmentation.toConfig()).toMatchObject({ name: 'compose' });
  });

  it('lists valid op names for an unknown one', () => {
    expect(() => buildAugmentation('randomFlipp', { imageSize: [224, 224] })).toThrow(/randomFlip/);
  });

  it('gives ops that need a size the image size when none is given, also inside JSON pipelines', () => {
    const imageSize = [160, 128] as const;
    expect(buildAugmentation('randomResizedCrop', { imageSize }).toConfig()).toMatchObject({
      name: 'randomResizedCrop',
      options: { size: [160, 128], scale: [0.08, 1] },
    });
    const listed = buildAugmentation(
      'randomFlip,randomResizedCrop:scale=[0.5,1],randomCrop:padding=4,centerCrop,resize',
      { imageSize },
    ).toConfig();
    expect(listed.options.ops).toMatchObject([
      { name: 'randomFlip' },
      { name: 'randomResizedCrop', options: { size: [160, 128], scale: [0.5, 1] } },
      { name: 'randomCrop', options: { size: [160, 128], padding: 4 } },
      { name: 'centerCrop', options: { size: [160, 128] } },
      { name: 'resize', options: { size: [160, 128] } },
    ]);
    const nested = buildAugmentation(
      '{"name":"randomApply","options":{"probability":0.5,"op":{"name":"randomResizedCrop"}}}',
      { imageSize },
    ).toConfig();
    expect(nested.options.op).toMatchObject({ options: { size: [160, 128] } });
    // A given size is kept.
    expect(
      buildAugmentation('randomResizedCrop:size=96', { imageSize }).toConfig().options.size,
    ).toEqual([96, 96]);
  });
});
