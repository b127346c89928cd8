import { knownFields, probability } from '../validate.js';
import { defineTextOp } from './define-text-op.js';
import type { TextAugmentation, TextOpDescriptor } from './text-augmentation.js';
import { detokenize, tokenize } from './words.js';

/** Options of {@link randomDeletion}. */
export interface RandomDeletionOptions {
  /** Chance that each word is removed (one word always stays). Default 0.1. */
  probability?: number;
}

const name = 'randomDeletion';

/** Removes each word with a probability, never emptying the text (EDA). */
export function randomDeletion(options: RandomDeletionOptions = {}): TextAugmentation {
  knownFields(name, options as never, ['probability']);
  const chance = probability(`${name}.probability`, options.probability ?? 0.1);
  return defineTextOp({
    name,
    options: { probability: chance },
    run(text, random) {
      const tokens = tokenize(text);
      if (tokens.length <= 1) return text;
      const kept = tokens.filter(() => !random.bernoulli(chance));
      if (kept.length === 0)
        return detokenize([tokens[random.int(0, tokens.length - 1)] ?? tokens[0]!]);
      return detokenize(kept);
    },
  });
}

export const randomDeletionDescriptor: TextOpDescriptor = {
  name,
  description: 'delete each word with a probability',
  create: (options) => randomDeletion(options as RandomDeletionOptions),
};
