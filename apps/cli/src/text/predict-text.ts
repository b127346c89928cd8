import { readFile, stat } from 'node:fs/promises';
import type { SentenceEncoder } from '@graft/backbones';
import type { Classifier } from '@graft/trainer';
import { checkEncoderMatches, classifyTexts, openReferencedEncoder } from './classify-texts.js';
import type { TextEncoderReference } from './text-encoder-metadata.js';

/** Options of {@link predictTexts}. */
export interface PredictTextsOptions {
  /** The text classifier (trained by `graft train --backbone <text encoder>`). */
  classifier: Classifier;
  /** Its `userMetadata.textEncoder`. */
  reference: TextEncoderReference;
  /** Texts, or paths of UTF-8 `.txt` files whose whole content is one text. */
  inputs: readonly string[];
  /** Labels per text, most probable first. */
  top: number;
  /** The encoder to use instead of creating `reference.name` (tests). */
  encoder?: SentenceEncoder;
}

/** One text's top classes. */
export interface TextPrediction {
  text: string;
  top: { className: string; probability: number }[];
}

/**
 * Classifies texts with a text classifier: embeds them with the encoder the model names (its
 * weights must be the ones it was trained on), then runs the saved classifier.
 */
export async function predictTexts(options: PredictTextsOptions): Promise<TextPrediction[]> {
  const { classifier, reference } = options;
  const texts = await Promise.all(options.inputs.map(readTextInput));
  const encoder = options.encoder ?? (await openReferencedEncoder(reference));
  try {
    checkEncoderMatches(encoder, reference);
    const probabilities = await classifyTexts({ classifier, encoder, texts });
    const classes = classifier.labels.length;
    return texts.map((text, index) => ({
      text,
      top: [...probabilities.subarray(index * classes, (index + 1) * classes)]
        .map((probability, classIndex) => ({
          className: classifier.labels[classIndex] ?? String(classIndex),
          probability,
        }))
        .sort((a, b) => b.probability - a.probability)
        .slice(0, options.top),
    }));
  } finally {
    if (options.encoder === undefined) encoder.dispose();
  }
}

/** A `.txt` path that exists is read (UTF-8); anything else is the text itself. */
export async function readTextInput(input: string): Promise<string> {
  if (!/\.txt$/i.test(input)) return input;
  const isFile = await stat(input).then(
    (information) => information.isFile(),
    () => false,
  );
  return isFile ? (await readFile(input, 'utf8')).trim() : input;
}
