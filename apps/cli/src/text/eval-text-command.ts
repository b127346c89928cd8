import type { SentenceEncoder } from '@graft/backbones';
import { InvalidArgumentError } from '@graft/core';
import type { Classifier } from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { summarizeEvaluation } from '../commands/eval-comparison.js';
import { formatClassReport } from '../commands/format-class-report.js';
import type { CommandOutput } from '../output.js';
import type { ClassifierSource } from '../run/open-classifier-source.js';
import { writeJson } from '../run/run-directory.js';
import { evaluateText } from './evaluate-text.js';
import { openTextEmbeddingCache } from './text-embedding-cache.js';
import type { TextEncoderReference } from './text-encoder-metadata.js';

/** The `graft eval` flags the text path reads or refuses. */
export interface TextEvalFlags {
  /** Each non-empty line of a `.txt` file is one example. */
  linePerExample?: boolean;
  /** Also write the full report as JSON here. */
  save?: string;
  /** `--no-cache` sets it to `false`: embed afresh, without the disk cache. */
  cache?: boolean;
  /** Image-only (refused). */
  topLosses?: string;
  /** Image-only (refused). */
  tta?: string;
  /** Multi-label images only (refused). */
  labels?: string;
  /** Multi-label images only (refused). */
  threshold?: string;
}

/** Options of {@link runTextEval}. */
export interface RunTextEvalOptions {
  classifier: Classifier;
  reference: TextEncoderReference;
  source: ClassifierSource;
  dataPath: string;
  /** `--split`, already checked. */
  split?: 'train' | 'val' | 'test' | undefined;
  /** `graft eval`'s flags; the image-only ones are refused when given. */
  flags: TextEvalFlags;
  output: CommandOutput;
  /** The encoder to use instead of the one the model names (tests). */
  encoder?: SentenceEncoder;
}

/** `graft eval` on a text classifier: the image path's report, on texts. */
export async function runTextEval(options: RunTextEvalOptions): Promise<void> {
  const { output, flags } = options;
  const [imageOnly] = Object.entries({
    '--top-losses': flags.topLosses,
    '--tta': flags.tta,
    '--labels': flags.labels,
    '--threshold': flags.threshold,
  }).filter((entry): entry is [string, string] => entry[1] !== undefined);
  if (imageOnly !== undefined) {
    throw new InvalidArgumentError({
      argument: imageOnly[0],
      value: imageOnly[1],
      expected: 'is for image models; leave it out for a text model',
    });
  }
  const { report, probabilities, targets, scored } = await evaluateText({
    classifier: options.classifier,
    reference: options.reference,
    source: options.source,
    dataPath: options.dataPath,
    ...(options.split ? { split: options.split } : {}),
    ...(flags.linePerExample ? { linePerExample: true } : {}),
    ...(options.encoder ? { encoder: options.encoder } : {}),
    ...(flags.cache === false
      ? {}
      : {
          embeddingStore: (encoder: SentenceEncoder) =>
            openTextEmbeddingCache({ encoder, backend: tf.getBackend(), output }),
        }),
  });
  const summary = summarizeEvaluation(report, probabilities, targets);
  const fullReport = {
    ...report,
    modality: 'text',
    scored,
    expectedCalibrationError: summary.expectedCalibrationError,
  };
  if (flags.save) await writeJson(flags.save, fullReport);
  if (output.json) {
    output.result(JSON.stringify(fullReport, null, 2));
    return;
  }
  output.result(
    [
      `${report.count} texts (${scored === 'all' ? 'all of the data' : `the run's ${scored} split`}): accuracy ${(report.accuracy * 100).toFixed(1)}%, balanced accuracy ${(report.balancedAccuracy * 100).toFixed(1)}%, macro F1 ${report.macroF1.toFixed(3)}, loss ${report.loss.toFixed(4)}, ECE ${summary.expectedCalibrationError.toFixed(4)}`,
      '',
      formatClassReport(report),
    ].join('\n'),
  );
}
