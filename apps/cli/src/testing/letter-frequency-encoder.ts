import {
  registerSentenceEncoder,
  sentenceEncoderFromFunction,
  sentenceEncoderRegistry,
} from '@graft/backbones';
import * as tf from '@tensorflow/tfjs-core';

/** The letters whose frequencies make the embedding. */
export const letterFrequencyLetters = 'aeioubcdfg';

/**
 * Registers a tiny text encoder under `name` (tests): each text's embedding is the frequency of
 * each of {@link letterFrequencyLetters} in it, so CLI text paths are checked in a second and
 * similarities can be worked out by hand. Returns the function that unregisters it.
 */
export function registerLetterFrequencyEncoder(name: string): () => void {
  const letters = letterFrequencyLetters;
  registerSentenceEncoder(
    {
      name,
      description: 'test-only letter frequencies',
      featureDim: letters.length,
      create: async () =>
        sentenceEncoderFromFunction({
          name,
          featureDim: letters.length,
          embed: async (texts) =>
            tf.tensor2d(
              texts.map((text) =>
                [...letters].map(
                  (letter) =>
                    [...text].filter((char) => char === letter).length / Math.max(1, text.length),
                ),
              ),
              [texts.length, letters.length],
            ),
        }),
    },
    { override: true },
  );
  return () => sentenceEncoderRegistry.unregister(name);
}
