import { knownFields, numberIn } from '../validate.js';
import { defineTextOp } from './define-text-op.js';
import type { TextAugmentation, TextOpDescriptor } from './text-augmentation.js';
import { resolveThesaurus, type ThesaurusOption } from './thesaurus.js';
import { detokenize, matchCase, tokenize, wordsToChange } from './words.js';

/** Options of {@link synonymReplacement}. */
export interface SynonymReplacementOptions {
  /** Fraction of the words to replace (at least one when any has a synonym). Default 0.1. */
  rate?: number;
  /** Word → synonyms, or `default` (a small English thesaurus). Default `default`. */
  thesaurus?: ThesaurusOption;
}

const name = 'synonymReplacement';

/** Replaces random words that have synonyms by one of them, keeping case and punctuation (EDA). */
export function synonymReplacement(options: SynonymReplacementOptions = {}): TextAugmentation {
  knownFields(name, options as never, ['rate', 'thesaurus']);
  const rate = numberIn(`${name}.rate`, options.rate ?? 0.1, 0, 1);
  const thesaurus = resolveThesaurus(`${name}.thesaurus`, options.thesaurus);
  return defineTextOp({
    name,
    options: { rate, thesaurus: thesaurus.stored },
    run(text, random) {
      const tokens = tokenize(text);
      const candidates = tokens
        .map((token, index) => ({ index, synonyms: thesaurus.table.get(token.word.toLowerCase()) }))
        .filter((item) => item.synonyms !== undefined && item.synonyms.length > 0);
      const count = Math.min(candidates.length, wordsToChange(rate, tokens.length));
      for (const candidate of random.shuffle(candidates).slice(0, count)) {
        const token = tokens[candidate.index];
        const synonyms = candidate.synonyms ?? [];
        if (!token) continue;
        token.word = matchCase(
          token.word,
          synonyms[random.int(0, synonyms.length - 1)] ?? token.word,
        );
      }
      return detokenize(tokens);
    },
  });
}

export const synonymReplacementDescriptor: TextOpDescriptor = {
  name,
  description: 'replace words by synonyms from a thesaurus',
  create: (options) => synonymReplacement(options as SynonymReplacementOptions),
};
