import { knownFields, numberIn } from '../validate.js';
import { defineTextOp } from './define-text-op.js';
import type { TextAugmentation, TextOpDescriptor } from './text-augmentation.js';
import { detokenize, tokenize, wordsToChange } from './words.js';

/** Options of {@link randomSwap}. */
export interface RandomSwapOptions {
  /** Swaps as a fraction of the word count (at least one). Default 0.1. */
  rate?: number;
}

const name = 'randomSwap';

/** Swaps the words of random pairs of positions (punctuation stays in place) (EDA). */
export function randomSwap(options: RandomSwapOptions = {}): TextAugmentation {
  knownFields(name, options as never, ['rate']);
  const rate = numberIn(`${name}.rate`, options.rate ?? 0.1, 0, 1);
  return defineTextOp({
    name,
    options: { rate },
    run(text, random) {
      const tokens = tokenize(text);
      if (tokens.length < 2) return text;
      const count = wordsToChange(rate, tokens.length);
      for (let step = 0; step < count; step++) {
        const first = random.int(0, tokens.length - 1);
        let second = random.int(0, tokens.length - 2);
        if (second >= first) second += 1;
        const a = tokens[first];
        const b = tokens[second];
        if (a && b) [a.word, b.word] = [b.word, a.word];
      }
      return detokenize(tokens);
    },
  });
}

export const randomSwapDescriptor: TextOpDescriptor = {
  name,
  description: 'swap random pairs of words',
  create: (options) => randomSwap(options as RandomSwapOptions),
};
