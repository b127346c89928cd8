import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { SentenceEncoder } from '@graft/backbones';
import { InvalidArgumentError } from '@graft/core';
import { writeFileAtomic } from '@graft/core/node';
import { formatTable } from '../format-table.js';
import type { CommandOutput } from '../output.js';
import { loadRunClassifier } from '../pipeline/load-run-classifier.js';
import type { ClassifierSource } from '../run/open-classifier-source.js';
import { writeJson } from '../run/run-directory.js';
import { toStorageError } from '../run/storage-errors.js';
import { openReferencedEncoder } from './classify-texts.js';
import { explainTexts } from './occlusion-attributions.js';
import { readTextInput } from './predict-text.js';
import type { TextEncoderReference } from './text-encoder-metadata.js';
import { textExplanationPage } from './text-explanation-page.js';

/** Options of {@link runTextExplain}. */
export interface RunTextExplainOptions {
  /** The text classifier's directory. */
  source: ClassifierSource;
  /** Its `userMetadata.textEncoder`. */
  reference: TextEncoderReference;
  /** Texts, or `.txt` files whose whole content is one text. */
  inputs: readonly string[];
  /** Folder for `index.html` and `explanations.json`. */
  out: string;
  /** Explain this class for every text (default: each text's top class). */
  className?: string | undefined;
  /** Title of the page. */
  title: string;
  output: CommandOutput;
  /** The encoder to use instead of the one the model names (tests). */
  encoder?: SentenceEncoder;
}

/**
 * `graft explain <text run> <texts…> --out <dir>`: word-occlusion attributions per text, as an
 * HTML page with shaded words, `explanations.json`, and the three most telling words per text
 * on the console.
 */
export async function runTextExplain(options: RunTextExplainOptions): Promise<void> {
  const { output } = options;
  const texts = await Promise.all(options.inputs.map(readTextInput));
  const empty = texts.findIndex((text) => text.trim() === '');
  if (empty >= 0) {
    throw new InvalidArgumentError({
      argument: '<inputs>',
      value: options.inputs[empty] ?? '',
      expected: 'must be a non-empty text or .txt file',
    });
  }
  const classifier = await loadRunClassifier(options.source);
  try {
    if (options.className !== undefined && !classifier.labels.includes(options.className)) {
      throw new InvalidArgumentError({
        argument: '--class',
        value: options.className,
        expected: `must be one of the model's classes: ${classifier.labels.join(', ')}`,
      });
    }
    const encoder = options.encoder ?? (await openReferencedEncoder(options.reference));
    let explanations: Awaited<ReturnType<typeof explainTexts>>;
    try {
      explanations = await explainTexts({
        classifier,
        encoder,
        texts,
        ...(options.className !== undefined ? { className: options.className } : {}),
      });
    } finally {
      if (options.encoder === undefined) encoder.dispose();
    }
    const outDirectory = resolve(options.out);
    await mkdir(outDirectory, { recursive: true }).catch((error: unknown) => {
      throw toStorageError(error, outDirectory);
    });
    const page = join(outDirectory, 'index.html');
    await writeFileAtomic(page, textExplanationPage({ title: options.title, explanations })).catch(
      (error: unknown) => {
        throw toStorageError(error, page);
      },
    );
    await writeJson(join(outDirectory, 'explanations.json'), explanations);
    output.info(`word attributions: ${page}`);
    if (output.json) {
      output.result(JSON.stringify(explanations, null, 2));
      return;
    }
    output.result(
      formatTable(
        ['text', 'class', 'probability', 'words for it', 'words against it'],
        explanations.map((explanation) => {
          const scored = explanation.words.filter((word) => word.attribution !== undefined);
          const sorted = [...scored].sort(
            (a, b) => (b.attribution as number) - (a.attribution as number),
          );
          const list = (words: typeof scored) => words.map((word) => word.word).join(' ') || '-';
          return [
            shorten(explanation.text),
            explanation.className,
            explanation.probability.toFixed(4),
            list(sorted.filter((word) => (word.attribution as number) > 0).slice(0, 3)),
            list(
              sorted
                .filter((word) => (word.attribution as number) < 0)
                .reverse()
                .slice(0, 3),
            ),
          ];
        }),
      ),
    );
  } finally {
    classifier.dispose();
  }
}

/** A text's first line, at most 40 characters, for the table. */
function shorten(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 40 || text.includes('\n') ? `${line.slice(0, 39)}…` : line;
}
