import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { SentenceEncoder } from '@graft/backbones';
import type { TextExamples } from '@graft/datasets';
import { type EvaluationReport, earlyStopping, evaluate, train } from '@graft/trainer';
import { saveClassifier } from '@graft/trainer/node';
import { createHeadFromSpecification } from '../config/head-specification.js';
import { createOptimizerFromSpecification } from '../config/optimizer-specification.js';
import type { TrainConfig } from '../config/train-config.js';
import type { CommandOutput } from '../output.js';
import { buildSchedule } from '../pipeline/build-schedule.js';
import { hardLabelLossOptions } from '../pipeline/hard-label-loss-options.js';
import { type RunDirectory, writeJson } from '../run/run-directory.js';
import type { EmbedWithCache } from './cached-embeddings.js';
import { embeddingBackbone } from './embedding-backbone.js';
import { EmbeddingDataset } from './embedding-dataset.js';
import type { TextLeakage } from './near-duplicate-leakage.js';
import { augmentedViews, buildTextAugmentation } from './text-augmentation-views.js';
import { textEncoderReference } from './text-encoder-metadata.js';

/** Accuracy figures of one split in the text run's report. */
export interface SplitFigures {
  accuracy: number;
  balancedAccuracy: number;
  macroF1: number;
  loss: number;
}

/** Options of {@link trainTextRun}. */
export interface TrainTextRunOptions {
  /** The resolved `graft train` options. */
  config: TrainConfig;
  output: CommandOutput;
  /** The frozen encoder. */
  encoder: SentenceEncoder;
  /** Embeds texts (cached across folds). */
  embed: EmbedWithCache;
  /** The run directory written (model/, report.json, split-manifest.json). */
  run: RunDirectory;
  /** The parts: `val` is the held-out fold in cross-validation. */
  splits: { train: TextExamples; val: TextExamples; test?: TextExamples | undefined };
  /** Examples left out as duplicates before splitting (for the report). */
  duplicatesLeftOut: number;
  /** Each non-empty line of a `.txt` file was one example (recorded in the manifest). */
  linePerExample?: boolean;
  /** The split fractions, for the manifest. */
  fractions?: readonly number[];
  /** When the command started, for the report's total seconds. */
  started: number;
  /** The backend name, for the report. */
  backend: string;
  /** Near-duplicate texts across the splits, for the report. */
  leakage?: TextLeakage;
}

/**
 * One text run once the splits are known: embeds the texts (and `--augmented-passes` augmented
 * views of the training texts with `--augment`), trains the head with the trainer's feature
 * extraction (same heads, optimisers, schedules, early stopping and class weights as images),
 * evaluates the test part and writes `model/`, `report.json` and `split-manifest.json`.
 */
export async function trainTextRun(options: TrainTextRunOptions) {
  const { config, output, encoder, splits, run } = options;
  const classNames = splits.train.classNames;
  const backbone = embeddingBackbone(encoder);
  try {
    const progress = (label: string) => (done: number, total: number) =>
      output.verbose(`${label}: embedded ${done}/${total}`);
    const embedStarted = performance.now();
    const augmentation = config.augment
      ? await buildTextAugmentation(config.augment, { onNotice: (message) => output.info(message) })
      : undefined;
    const views = augmentation
      ? augmentedViews(augmentation, splits.train.texts, {
          views: config.augmentedPasses ?? 4,
          seed: config.seed,
        })
      : [];
    const trainTexts = [...splits.train.texts, ...views.flat()];
    const trainLabels = [...splits.train.labels, ...views.flatMap(() => splits.train.labels)];
    const trainSources = [
      ...splits.train.sources,
      ...views.flatMap((_, view) =>
        splits.train.sources.map((source) => `${source}~view${view + 1}`),
      ),
    ];
    const toDataset = async (
      texts: readonly string[],
      labels: readonly number[],
      sources: readonly string[],
      label: string,
    ) =>
      new EmbeddingDataset({
        classNames,
        embeddings: await options.embed(texts, progress(label)),
        featureDim: encoder.featureDim,
        labels,
        sources,
        keys: texts.map(
          (text) => `${encoder.weightsId}:${createHash('sha256').update(text).digest('hex')}`,
        ),
      });
    const trainData = await toDataset(trainTexts, trainLabels, trainSources, 'train');
    const embedOf = (part: TextExamples, label: string) =>
      toDataset(part.texts, part.labels, part.sources, label);
    const validationData = await embedOf(splits.val, 'val');
    const testData = splits.test ? await embedOf(splits.test, 'test') : undefined;
    const embeddingSeconds = (performance.now() - embedStarted) / 1000;

    const head = createHeadFromSpecification(config.head, {
      featureDim: backbone.featureDim,
      numClasses: classNames.length,
      seed: config.seed,
    });
    try {
      const optimizer = createOptimizerFromSpecification(config.optimizer, config.learningRate);
      const schedule = buildSchedule({
        schedule: config.schedule,
        learningRate: config.learningRate,
        stepsPerEpoch: Math.ceil(trainData.size / config.batchSize),
        epochs: config.epochs,
      });
      const best =
        config.keepBest || config.earlyStop > 0
          ? earlyStopping({
              monitor: config.monitor,
              patience: config.earlyStop > 0 ? config.earlyStop : config.epochs + 1,
              restoreBestWeights: config.keepBest,
            })
          : undefined;
      const result = await train({
        backbone,
        head,
        trainData,
        validationData,
        mode: 'feature-extraction',
        epochs: config.epochs,
        batchSize: config.batchSize,
        optimizer,
        schedule,
        callbacks: best ? [best] : [],
        seed: config.seed,
        ...hardLabelLossOptions(config, classNames),
        ...(config.clipNorm !== undefined ? { gradientClipNorm: config.clipNorm } : {}),
      });
      optimizer.dispose();
      const test = testData ? await evaluate({ backbone, head, data: testData }) : undefined;
      await rm(run.modelDir, { recursive: true, force: true });
      await mkdir(run.root, { recursive: true });
      const validation = result.validation;
      await saveClassifier({
        directory: run.modelDir,
        backbone,
        head,
        classNames,
        modelName: run.name,
        userMetadata: {
          textEncoder: textEncoderReference(encoder),
          ...(augmentation
            ? { textAugmentation: augmentation.toConfig(), augmentedViews: views.length }
            : {}),
        },
        schedule,
        training: {
          mode: 'feature-extraction',
          epochs: result.epoch,
          batchSize: config.batchSize,
          learningRate: config.learningRate,
          seed: config.seed,
          data: basename(resolve(config.data)),
        },
        ...(validation
          ? {
              metrics: { validationAccuracy: validation.accuracy, validationLoss: validation.loss },
            }
          : {}),
      });
      const figures = (report: EvaluationReport | undefined): SplitFigures | undefined =>
        report && {
          accuracy: report.accuracy,
          balancedAccuracy: report.balancedAccuracy,
          macroF1: report.macroF1,
          loss: report.loss,
        };
      const summary = {
        run: run.root,
        backend: options.backend,
        encoder: encoder.name,
        modality: 'text',
        classes: classNames,
        examples: {
          train: splits.train.texts.length,
          augmentedViews: views.length * splits.train.texts.length,
          validation: splits.val.texts.length,
          test: splits.test?.texts.length ?? 0,
          duplicatesLeftOut: options.duplicatesLeftOut,
        },
        epochs: result.epoch,
        bestEpoch: best?.bestEpoch === undefined ? undefined : best.bestEpoch + 1,
        stopReason: result.stopReason,
        ...(options.leakage ? { nearDuplicateLeakage: options.leakage } : {}),
        validation: figures(validation),
        test: figures(test),
        seconds: {
          total: (performance.now() - options.started) / 1000,
          embedding: embeddingSeconds,
          training: result.trainingSeconds,
        },
      };
      await writeJson(run.reportFile, summary);
      await writeJson(join(run.root, 'split-manifest.json'), {
        data: basename(resolve(config.data)),
        seed: config.seed,
        ...(options.fractions ? { fractions: options.fractions } : {}),
        ...(options.linePerExample ? { linePerExample: true } : {}),
        sources: {
          train: splits.train.sources,
          val: splits.val.sources,
          ...(splits.test ? { test: splits.test.sources } : {}),
        },
      });
      return summary;
    } finally {
      head.dispose();
    }
  } finally {
    backbone.dispose();
  }
}
