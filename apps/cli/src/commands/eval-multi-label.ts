import { InvalidArgumentError } from '@graft/core';
import {
  FileImageDataset,
  type ImageFile,
  readMultiLabelCsv,
  scanMultiLabelFolder,
} from '@graft/datasets/node';
import { type Classifier, computeMetrics, type EvaluationReport } from '@graft/trainer';
import { defaultLabelDelimiter, isCsvPath } from '../config/multi-label-options.js';
import { formatTable } from '../format-table.js';
import type { CommandOutput } from '../output.js';
import { classifyDataset } from '../pipeline/classify-dataset.js';
import { predictThreshold } from '../pipeline/multi-label-threshold.js';
import { writeJson } from '../run/run-directory.js';

/** The multi-label flags of `graft eval`. */
export interface MultiLabelEvalFlags {
  labels?: string;
  labelDelimiter?: string;
  threshold?: string;
}

/**
 * Whether `graft eval` takes the multi-label path: a sigmoid model. Multi-label data (a CSV, or
 * `--labels`) with a single-label model is an error naming `--head multi-label`.
 */
export function isMultiLabelEval(
  classifier: Classifier,
  dataPath: string,
  flags: MultiLabelEvalFlags,
): boolean {
  if (classifier.multiLabel) return true;
  const csv = flags.labels ?? (isCsvPath(dataPath) ? dataPath : undefined);
  if (csv !== undefined) {
    throw new InvalidArgumentError({
      argument: flags.labels !== undefined ? '--labels' : '<data>',
      value: csv,
      expected:
        'multi-label data needs a multi-label model (trained with --head multi-label); this model is single-label (softmax): evaluate it on class folders',
    });
  }
  return false;
}

/**
 * `graft eval` of a multi-label model: reads the labels from a CSV (`<data>.csv`, or `--labels`
 * with `<data>` the images' folder) or from class folders holding copies of an image, then
 * reports exact-match and Hamming accuracy, micro/macro F1 and per-label precision/recall/F1 at
 * the threshold (`--threshold`, else the model's).
 */
export async function evaluateMultiLabel(options: {
  classifier: Classifier;
  dataPath: string;
  split: 'train' | 'val' | 'test' | undefined;
  flags: MultiLabelEvalFlags;
  save: string | undefined;
  output: CommandOutput;
}): Promise<EvaluationReport> {
  const { classifier, dataPath, flags, output } = options;
  const trained = [...classifier.labels];
  const threshold = predictThreshold(classifier, flags.threshold) as number;
  const csv = flags.labels ?? (isCsvPath(dataPath) ? dataPath : undefined);
  let files: ImageFile[];
  if (csv !== undefined) {
    files = (
      await readMultiLabelCsv({
        csv,
        ...(flags.labels !== undefined ? { imagesRoot: dataPath } : {}),
        labelDelimiter: flags.labelDelimiter ?? defaultLabelDelimiter,
        classNames: trained,
      })
    ).files;
  } else {
    const scan = await scanMultiLabelFolder({ root: dataPath, onBadImage: 'skip' });
    if (scan.classNames.join('\n') !== trained.join('\n')) {
      throw new InvalidArgumentError({
        argument: '<data>',
        value: dataPath,
        expected: `must hold the labels the model was trained on (${trained.join(', ')}); found ${scan.classNames.join(', ')}`,
      });
    }
    const chosen =
      options.split ?? (scan.files.some((file) => file.split === 'test') ? 'test' : 'val');
    files =
      scan.layout === 'splits' ? scan.files.filter((file) => file.split === chosen) : scan.files;
  }
  const preprocessing = classifier.metadata.graft.preprocessing;
  const data = new FileImageDataset({
    files,
    classNames: trained,
    imageSize: preprocessing.inputSize,
    resize: preprocessing.resize,
    onBadImage: 'skip',
    multiLabel: true,
  });
  const { probabilities, targets, sources } = await classifyDataset(classifier, data);
  const report = computeMetrics({
    probabilities,
    targets: Float32Array.from(targets),
    classNames: trained,
    activation: 'sigmoid',
    threshold,
    sources,
  });
  if (options.save) await writeJson(options.save, report);
  if (output.json) {
    output.result(JSON.stringify(report, null, 2));
    return report;
  }
  const metrics = report.multiLabel;
  if (metrics === undefined) return report;
  output.result(
    [
      `${report.count} images, ${trained.length} labels, threshold ${threshold}: exact match ${(metrics.exactMatch * 100).toFixed(1)}%, Hamming accuracy ${(metrics.hammingAccuracy * 100).toFixed(1)}%, micro F1 ${metrics.microF1.toFixed(3)}, macro F1 ${metrics.macroF1.toFixed(3)}, loss ${report.loss.toFixed(4)}`,
      `labels per image: ${metrics.labelsPerImage.true.toFixed(2)} true, ${metrics.labelsPerImage.predicted.toFixed(2)} predicted`,
      '',
      formatTable(
        ['label', 'precision', 'recall', 'f1', 'support'],
        metrics.perLabel.map((entry) => [
          entry.className,
          entry.precision.toFixed(3),
          entry.recall.toFixed(3),
          entry.f1.toFixed(3),
          entry.support,
        ]),
      ),
    ].join('\n'),
  );
  return report;
}
