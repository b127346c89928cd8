import { describe, expect, it } from 'vitest';
import { augmentedViews, buildTextAugmentation } from './text-augmentation-views.js';

describe('text --augment', () => {
  it('uses WordNet for thesaurus ops unless a thesaurus is named, recorded in the config', async () => {
    const wordNet = await buildTextAugmentation('synonymReplacement:rate=1+randomSwap:rate=0');
    const ops = (wordNet.toConfig().options as { ops: { options: { thesaurus?: string } }[] }).ops;
    expect(ops[0]?.options.thesaurus).toBe('wordnet');
    const [changed] = wordNet.apply(['The car is quick.'], { seed: 3 });
    expect(changed).not.toBe('The car is quick.');
    const builtIn = await buildTextAugmentation('synonymReplacement:thesaurus=default');
    expect(builtIn.toConfig().options.thesaurus).toBe('default');
  });

  it('makes seeded views that differ from each other and repeat for the seed', async () => {
    const augmentation = await buildTextAugmentation('randomSwap:rate=0.5');
    const texts = ['one two three four five six', 'alpha beta gamma delta epsilon'];
    const views = augmentedViews(augmentation, texts, { views: 2, seed: 0 });
    expect(views).toHaveLength(2);
    expect(views[0]).not.toEqual(views[1]);
    expect(augmentedViews(augmentation, texts, { views: 2, seed: 0 })).toEqual(views);
  });
});
