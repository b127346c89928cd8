import { resolve } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import { writeFileAtomic } from '@graft/core/node';
import { type FileImageDataset, openImageFolder, type SplitName } from '@graft/datasets/node';
import { computeMetrics, testTimeAugmentations } from '@graft/trainer';
import type { Command } from 'commander';
import { parseChoice, parseInteger } from '../config/parse-values.js';
import { predictedClassOverlay } from '../explain/predicted-class-overlay.js';
import type { CommandOutput } from '../output.js';
import { classifyDataset } from '../pipeline/classify-dataset.js';
import { loadRunClassifier } from '../pipeline/load-run-classifier.js';
import { renderTopLosses } from '../plots/top-losses.js';
import { openClassifierSource } from '../run/open-classifier-source.js';
import { writeJson } from '../run/run-directory.js';
import { toStorageError } from '../run/storage-errors.js';
import { runTextEval } from '../text/eval-text-command.js';
import { readTextEncoderReference } from '../text/text-encoder-metadata.js';
import { formatTtaComparison, summarizeEvaluation } from './eval-comparison.js';
import {
  evaluateMultiLabel,
  isMultiLabelEval,
  type MultiLabelEvalFlags,
} from './eval-multi-label.js';
import { formatClassReport } from './format-class-report.js';

const splits = ['train', 'val', 'test'] as const;

interface EvalFlags extends MultiLabelEvalFlags {
  split?: string;
  save?: string;
  topLosses?: string;
  topLossesFile?: string;
  tta?: string;
  linePerExample?: boolean;
}

/** `graft eval <run> <data>`: accuracy, loss, per-class metrics and confusion matrix. */
export function registerEvalCommand(program: Command, output: CommandOutput): void {
  program
    .command('eval')
    .description(
      'evaluate a trained run on labelled images: accuracy, loss, per-class F1, confusion matrix',
    )
    .argument(
      '<run>',
      'run directory written by graft train, or a classifier directory (model.json, weights.bin, metadata.json: graft export, Teachable Machine)',
    )
    .argument('<data>', 'image folder: class folders, or train/ val/ test/ (see --split)')
    .option(
      '--split <name>',
      `split of a train/val/test folder: ${splits.join(', ')} (default: test if present, else val)`,
    )
    .option('--save <file>', 'also write the full report as JSON')
    .option(
      '--top-losses <n>',
      'also draw the n most confidently wrong images with true/predicted class and the Grad-CAM map of the predicted class (an SVG grid)',
    )
    .option('--top-losses-file <file.svg>', 'where --top-losses writes (default top-losses.svg)')
    .option(
      '--labels <csv>',
      'multi-label model: a CSV of image paths (relative to <data>) and labels; <data> may also be the CSV itself',
    )
    .option(
      '--label-delimiter <text>',
      "multi-label CSV: separator of the labels in a cell (default ' ')",
    )
    .option(
      '--threshold <p>',
      "multi-label model: a label is predicted when its probability is >= p (default: the model's)",
    )
    .option(
      '--tta <views>',
      `also evaluate with test-time augmentation (${testTimeAugmentations.join(', ')}) and show both`,
    )
    .option('--line-per-example', 'text model: each non-empty line of a .txt file is one example')
    .action(async (runPath: string, dataPath: string, options: EvalFlags) => {
      const split =
        options.split === undefined ? undefined : parseChoice('--split', options.split, splits);
      const topLosses =
        options.topLosses === undefined
          ? undefined
          : parseInteger('--top-losses', options.topLosses, { minimum: 1 });
      const views =
        options.tta === undefined
          ? undefined
          : parseChoice('--tta', options.tta, testTimeAugmentations);
      const source = await openClassifierSource(runPath);
      const classifier = await loadRunClassifier(source);
      const textEncoder = await readTextEncoderReference(source.modelDir);
      const preprocessing = classifier.metadata.graft.preprocessing;
      try {
        if (textEncoder !== undefined) {
          const text = { classifier, reference: textEncoder, source, dataPath, split };
          await runTextEval({ ...text, flags: options, output });
          return;
        }
        if (isMultiLabelEval(classifier, dataPath, options)) {
          if (topLosses !== undefined) {
            throw new InvalidArgumentError({
              argument: '--top-losses',
              value: options.topLosses,
              expected: 'is not available for a multi-label model yet; leave it out',
            });
          }
          await evaluateMultiLabel({
            classifier,
            dataPath,
            split,
            flags: options,
            save: options.save,
            output,
          });
          return;
        }
        const folder = await openImageFolder({
          root: dataPath,
          imageSize: preprocessing.inputSize,
          resize: preprocessing.resize,
          onBadImage: 'skip',
        });
        let data: FileImageDataset;
        if (folder.layout === 'splits') {
          const chosen: SplitName = split ?? (folder.splitNames.includes('test') ? 'test' : 'val');
          data = folder.dataset(chosen);
        } else {
          data = folder.dataset();
        }
        const trained = classifier.labels;
        if (data.classNames.join('\n') !== trained.join('\n')) {
          throw new InvalidArgumentError({
            argument: '<data>',
            value: dataPath,
            expected: `must hold the classes the model was trained on (${trained.join(', ')}); found ${data.classNames.join(', ')}`,
          });
        }
        const { probabilities, ttaProbabilities, targets, sources } = await classifyDataset(
          classifier,
          data,
          views ? { tta: { views } } : {},
        );
        const oneHot = new Float32Array(targets.length * trained.length);
        targets.forEach((label, row) => {
          oneHot[row * trained.length + label] = 1;
        });
        const report = computeMetrics({
          probabilities,
          targets: oneHot,
          classNames: trained,
          activation: classifier.metadata.graft.activation,
          sources,
        });
        const plain = summarizeEvaluation(report, probabilities, targets);
        // With --tta: the same metrics on the averaged views, beside the plain ones.
        const augmented =
          views && ttaProbabilities
            ? summarizeEvaluation(
                computeMetrics({
                  probabilities: ttaProbabilities,
                  targets: oneHot,
                  classNames: trained,
                  activation: classifier.metadata.graft.activation,
                  sources,
                }),
                ttaProbabilities,
                targets,
              )
            : undefined;
        const fullReport = {
          ...report,
          expectedCalibrationError: plain.expectedCalibrationError,
          ...(augmented && views ? { testTimeAugmentation: { views, ...augmented } } : {}),
        };
        if (options.save) await writeJson(options.save, fullReport);
        if (topLosses !== undefined) {
          const file = resolve(options.topLossesFile ?? 'top-losses.svg');
          const svg = await renderTopLosses({
            misclassified: report.misclassified,
            classNames: trained,
            count: topLosses,
            overlay: predictedClassOverlay(classifier),
          });
          await writeFileAtomic(file, svg).catch((error: unknown) => {
            throw toStorageError(error, file);
          });
          output.info(
            `top losses: ${Math.min(topLosses, report.misclassified.length)} of ${report.misclassified.length} misclassified images in ${file}`,
          );
        }
        if (output.json) {
          output.result(JSON.stringify(fullReport, null, 2));
          return;
        }
        output.result(
          [
            `${report.count} images: accuracy ${(report.accuracy * 100).toFixed(1)}%, balanced accuracy ${(report.balancedAccuracy * 100).toFixed(1)}%, macro F1 ${report.macroF1.toFixed(3)}, loss ${report.loss.toFixed(4)}, ECE ${plain.expectedCalibrationError.toFixed(4)}`,
            '',
            ...(augmented && views ? [formatTtaComparison(plain, augmented, views), ''] : []),
            formatClassReport(report),
          ].join('\n'),
        );
      } finally {
        classifier.dispose();
      }
    });
}
