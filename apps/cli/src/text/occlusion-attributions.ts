import type { SentenceEncoder } from '@graft/backbones';
import type { Classifier } from '@graft/trainer';
import { classifyTexts } from './classify-texts.js';

/** One word of a text and how much the explained class's probability falls without it. */
export interface WordAttribution {
  /** The word as written (a run of non-space characters). */
  word: string;
  /** Its character offset in the text. */
  offset: number;
  /**
   * Probability of the explained class with the text whole minus with this word left out:
   * positive when the word speaks for the class, negative when against it. Absent for words past
   * `maximumWords` (not scored).
   */
  attribution?: number;
}

/** A text's occlusion explanation. */
export interface TextExplanation {
  text: string;
  /** The explained class (the top class unless one was asked for). */
  className: string;
  /** Its probability for the whole text. */
  probability: number;
  /** Every word in order. */
  words: WordAttribution[];
}

/** Options of {@link explainTexts}. */
export interface ExplainTextsOptions {
  /** The text classifier. */
  classifier: Classifier;
  /** The encoder it was trained on. */
  encoder: SentenceEncoder;
  /** Texts to explain. */
  texts: readonly string[];
  /** Explain this class for every text (default: each text's top class). */
  className?: string;
  /** Words scored per text (each costs one encoder pass); later words are listed unscored. Default 200. */
  maximumWords?: number;
}

/**
 * Word occlusion: each text is re-classified once per word with that word removed, and the fall
 * of the explained class's probability is the word's attribution. It needs nothing but the
 * encoder's outputs, so it works for any encoder, graph model or function, where gradients
 * through a frozen graph model with a tokenizer in front are not available.
 */
export async function explainTexts(options: ExplainTextsOptions): Promise<TextExplanation[]> {
  const { classifier, encoder } = options;
  const classes = classifier.labels.length;
  const maximumWords = options.maximumWords ?? 200;
  const requested =
    options.className === undefined ? undefined : classifier.labels.indexOf(options.className);
  const variants: string[] = [];
  const plans = options.texts.map((text) => {
    const words = [...text.matchAll(/\S+/gu)].map((match) => ({
      word: match[0],
      offset: match.index ?? 0,
    }));
    const first = variants.length;
    variants.push(text);
    for (const { word, offset } of words.slice(0, maximumWords)) {
      variants.push(`${text.slice(0, offset)}${text.slice(offset + word.length)}`.trim());
    }
    return { text, words, first };
  });
  const probabilities = await classifyTexts({ classifier, encoder, texts: variants });
  return plans.map(({ text, words, first }) => {
    const whole = probabilities.subarray(first * classes, (first + 1) * classes);
    const explained = requested ?? argMax(whole);
    const probability = whole[explained] as number;
    return {
      text,
      className: classifier.labels[explained] ?? String(explained),
      probability,
      words: words.map((word, index) =>
        index < maximumWords
          ? {
              ...word,
              attribution:
                probability - (probabilities[(first + 1 + index) * classes + explained] as number),
            }
          : word,
      ),
    };
  });
}

function argMax(values: Float32Array): number {
  let best = 0;
  for (let index = 1; index < values.length; index++) {
    if ((values[index] as number) > (values[best] as number)) best = index;
  }
  return best;
}
