import { describe, expect, it } from 'vitest';
import { resolveTrainConfig } from './train-config.js';

const defaults = {
  backbone: 'mobilenet_v2',
  out: ({ backbone }: { data: string; backbone: string }) => `runs/${backbone}`,
};

describe('resolveTrainConfig', () => {
  it('fills defaults and parses flag strings', () => {
    const config = resolveTrainConfig({
      flags: { data: 'images', epochs: '3', batchSize: '16', lr: '0.01', split: '0.7,0.2,0.1' },
      defaults,
    });
    expect(config).toMatchObject({
      data: 'images',
      backbone: 'mobilenet_v2',
      mode: 'feature-extraction',
      epochs: 3,
      batchSize: 16,
      learningRate: 0.01,
      split: [0.7, 0.2, 0.1],
      out: 'runs/mobilenet_v2',
      earlyStop: 0,
    });
  });

  it('parses the staged-unfreeze and frozen-prefix-cache settings, with defaults', () => {
    expect(resolveTrainConfig({ flags: { data: 'images' }, defaults })).toMatchObject({
      freezeEpochs: 0,
      headLearningRate: 0.003,
      frozenPrefixCache: 'auto',
    });
    const config = resolveTrainConfig({
      file: { freezeEpochs: 4, frozenPrefixCache: 'off' },
      flags: { data: 'images', headLearningRate: '0.01' },
      defaults,
    });
    expect(config).toMatchObject({
      freezeEpochs: 4,
      headLearningRate: 0.01,
      frozenPrefixCache: 'off',
    });
    expect(() =>
      resolveTrainConfig({ flags: { data: 'images', frozenPrefixCache: 'on' }, defaults }),
    ).toThrow(/--frozen-prefix-cache.*auto, off|auto, off.*--frozen-prefix-cache/s);
    expect(() =>
      resolveTrainConfig({ flags: { data: 'images', freezeEpochs: '-1' }, defaults }),
    ).toThrow(/--freeze-epochs/);
  });

  it('parses --batch-norm, --clip-norm and --augmented-passes, refusing them where they do nothing', () => {
    expect(resolveTrainConfig({ flags: { data: 'images' }, defaults })).toMatchObject({
      batchNorm: 'frozen',
      clipNorm: undefined,
      augmentedPasses: undefined,
    });
    expect(
      resolveTrainConfig({
        flags: { data: 'images', mode: 'fine-tune', batchNorm: 'train', clipNorm: '1.5' },
        defaults,
      }),
    ).toMatchObject({ batchNorm: 'train', clipNorm: 1.5 });
    expect(
      resolveTrainConfig({
        flags: { data: 'images', augment: 'randomFlip', augmentedPasses: '2' },
        defaults,
      }).augmentedPasses,
    ).toBe(2);
    expect(() =>
      resolveTrainConfig({ flags: { data: 'images', batchNorm: 'train' }, defaults }),
    ).toThrow(/--batch-norm.*applies only to --mode fine-tune/);
    // config.json of a feature-extraction run records the default; resuming it must not fail.
    expect(
      resolveTrainConfig({ file: { batchNorm: 'frozen' }, flags: { data: 'images' }, defaults })
        .batchNorm,
    ).toBe('frozen');
    expect(() =>
      resolveTrainConfig({
        flags: { data: 'images', mode: 'fine-tune', batchNorm: 'both' },
        defaults,
      }),
    ).toThrow(/--batch-norm.*frozen, train/);
    expect(() =>
      resolveTrainConfig({ flags: { data: 'images', clipNorm: '0' }, defaults }),
    ).toThrow(/--clip-norm/);
    expect(() =>
      resolveTrainConfig({ flags: { data: 'images', augmentedPasses: '2' }, defaults }),
    ).toThrow(/--augmented-passes.*applies only with --augment/);
    expect(() =>
      resolveTrainConfig({
        flags: { data: 'images', mode: 'fine-tune', augment: 'randomFlip', augmentedPasses: '2' },
        defaults,
      }),
    ).toThrow(/--augmented-passes/);
  });

  it('lets flags override the config file, and keeps file values flags do not give', () => {
    const config = resolveTrainConfig({
      file: { data: 'from-file', epochs: 20, mode: 'fine-tune', lr: 0.5, seed: 7 },
      flags: { epochs: '2', seed: undefined },
      defaults,
    });
    expect(config.data).toBe('from-file');
    expect(config.epochs).toBe(2);
    expect(config.mode).toBe('fine-tune');
    expect(config.learningRate).toBe(0.5);
    expect(config.seed).toBe(7);
  });

  it('leaves the micro-batch to the trainer unless --micro-batch (or microBatch) gives it', () => {
    expect(resolveTrainConfig({ flags: { data: 'd' }, defaults }).microBatch).toBeUndefined();
    expect(resolveTrainConfig({ flags: { data: 'd', microBatch: '4' }, defaults }).microBatch).toBe(
      4,
    );
    expect(
      resolveTrainConfig({ file: { data: 'd', microBatch: 2 }, flags: {}, defaults }).microBatch,
    ).toBe(2);
  });

  it('names the flag, the value and the valid choices on a bad mode', () => {
    expect(() => resolveTrainConfig({ flags: { data: 'd', mode: 'finetune' }, defaults })).toThrow(
      'Argument `--mode` must be one of: feature-extraction, fine-tune. Received: --mode="finetune"',
    );
  });

  it.each([
    [{ epochs: '0' }, '--epochs'],
    [{ epochs: '2.5' }, '--epochs'],
    [{ batchSize: 'many' }, '--batch-size'],
    [{ lr: '-1' }, '--lr'],
    [{ split: '0.8,0.3' }, '--split'],
    [{ earlyStop: '-2' }, '--early-stop'],
    [{ microBatch: '0' }, '--micro-batch'],
  ])('rejects %o naming %s', (flags, flag) => {
    expect(() => resolveTrainConfig({ flags: { data: 'd', ...flags }, defaults })).toThrow(
      `Argument \`${flag}\``,
    );
  });

  it('rejects an unknown config-file key and lists the valid ones', () => {
    expect(() =>
      resolveTrainConfig({ file: { data: 'd', epoch: 3 }, flags: {}, defaults }),
    ).toThrow(/must be one of: data, split, .*epochs.*Received: config file key="epoch"/);
  });

  it('requires the data', () => {
    expect(() => resolveTrainConfig({ flags: {}, defaults })).toThrow(
      'Argument `<data>` is required',
    );
  });

  it('keeps an augmentation pipeline object from a config file as JSON', () => {
    const pipeline = { name: 'compose', ops: [{ name: 'flip' }] };
    const config = resolveTrainConfig({
      file: { data: 'd', augment: pipeline },
      flags: {},
      defaults,
    });
    expect(JSON.parse(config.augment ?? '')).toEqual(pipeline);
  });

  it('takes a model-file backbone with its own weights, feature layer and input range', () => {
    const config = resolveTrainConfig({
      flags: {
        data: 'd',
        backbone: './tm/model.json',
        featureLayer: 'out_relu',
        inputRange: '0,255',
      },
      defaults,
    });
    expect(config).toMatchObject({
      backbone: './tm/model.json',
      weights: 'model',
      featureLayer: 'out_relu',
      inputRange: [0, 255],
    });
  });

  it('refuses --weights with a model-file backbone and model-file flags with a registered one', () => {
    expect(() =>
      resolveTrainConfig({
        flags: { data: 'd', backbone: 'tm/model.json', weights: 'imagenet' },
        defaults,
      }),
    ).toThrow(/Argument `--weights` must be left out with --backbone tm\/model\.json/);
    expect(() =>
      resolveTrainConfig({ flags: { data: 'd', featureLayer: 'out_relu' }, defaults }),
    ).toThrow(/Argument `--feature-layer` applies only to a --backbone model file/);
    expect(() =>
      resolveTrainConfig({ flags: { data: 'd', backbone: 'a/', inputRange: '1,-1' }, defaults }),
    ).toThrow(/Argument `--input-range` must be two numbers "min,max" with min < max/);
  });
});
