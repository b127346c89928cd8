import { knownFields, numberIn } from '../validate.js';
import { defineTextOp } from './define-text-op.js';
import type { TextAugmentation, TextOpDescriptor } from './text-augmentation.js';
import { resolveThesaurus, type ThesaurusOption } from './thesaurus.js';
import { detokenize, tokenize, wordsToChange } from './words.js';

/** Options of {@link randomInsertion}. */
export interface RandomInsertionOptions {
  /** Insertions as a fraction of the word count (at least one). Default 0.1. */
  rate?: number;
  /** Word → synonyms, or `default`. Default `default`. */
  thesaurus?: ThesaurusOption;
}

const name = 'randomInsertion';

/** Inserts a synonym of a random word of the text at a random position (EDA). */
export function randomInsertion(options: RandomInsertionOptions = {}): TextAugmentation {
  knownFields(name, options as never, ['rate', 'thesaurus']);
  const rate = numberIn(`${name}.rate`, options.rate ?? 0.1, 0, 1);
  const thesaurus = resolveThesaurus(`${name}.thesaurus`, options.thesaurus);
  return defineTextOp({
    name,
    options: { rate, thesaurus: thesaurus.stored },
    run(text, random) {
      const tokens = tokenize(text);
      const sources = tokens
        .map((token) => thesaurus.table.get(token.word.toLowerCase()))
        .filter((synonyms): synonyms is string[] => synonyms !== undefined && synonyms.length > 0);
      if (sources.length === 0) return text;
      const count = wordsToChange(rate, tokens.length);
      for (let step = 0; step < count; step++) {
        const synonyms = sources[random.int(0, sources.length - 1)] ?? [];
        const word = synonyms[random.int(0, synonyms.length - 1)] ?? '';
        tokens.splice(random.int(0, tokens.length), 0, { prefix: '', word, suffix: '' });
      }
      return detokenize(tokens);
    },
  });
}

export const randomInsertionDescriptor: TextOpDescriptor = {
  name,
  description: 'insert synonyms of words of the text at random positions',
  create: (options) => randomInsertion(options as RandomInsertionOptions),
};
