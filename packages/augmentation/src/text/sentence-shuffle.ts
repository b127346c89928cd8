import { knownFields, probability } from '../validate.js';
import { defineTextOp } from './define-text-op.js';
import type { TextAugmentation, TextOpDescriptor } from './text-augmentation.js';

/** Options of {@link sentenceShuffle}. */
export interface SentenceShuffleOptions {
  /** Chance that a text's sentences are reordered. Default 1. */
  probability?: number;
}

const name = 'sentenceShuffle';

/** Splits a text into sentences (after `.`, `!`, `?`) and puts them in a random order. */
export function sentenceShuffle(options: SentenceShuffleOptions = {}): TextAugmentation {
  knownFields(name, options as never, ['probability']);
  const chance = probability(`${name}.probability`, options.probability ?? 1);
  return defineTextOp({
    name,
    options: { probability: chance },
    run(text, random) {
      if (!random.bernoulli(chance)) return text;
      const sentences = splitSentences(text);
      if (sentences.length < 2) return text;
      return random.shuffle(sentences).join(' ');
    },
  });
}

/** Sentences of `text`, trimmed, each with its closing punctuation. */
export function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence.length > 0);
}

export const sentenceShuffleDescriptor: TextOpDescriptor = {
  name,
  description: 'reorder the sentences of a text',
  create: (options) => sentenceShuffle(options as SentenceShuffleOptions),
};
