import { createHash } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { createSentenceEncoder, type SentenceEncoder } from '@graft/backbones';
// Registers Node file loading for `use-lite` (installed package or $GRAFT_MIRROR/use-lite).
import '@graft/backbones/node';
import { InvalidArgumentError } from '@graft/core';
import {
  findTextDuplicates,
  selectTextExamples,
  splitTextExamples,
  type TextExamples,
  withoutTextDuplicates,
} from '@graft/datasets';
import { openTextData } from '@graft/datasets/node';
import { type EvaluationReport, earlyStopping, evaluate, train } from '@graft/trainer';
import { saveClassifier } from '@graft/trainer/node';
import { createHeadFromSpecification } from '../config/head-specification.js';
import { createOptimizerFromSpecification } from '../config/optimizer-specification.js';
import type { TrainConfig } from '../config/train-config.js';
import { exitCodes } from '../exit-codes.js';
import type { CommandOutput } from '../output.js';
import { buildSchedule } from '../pipeline/build-schedule.js';
import { hardLabelLossOptions } from '../pipeline/hard-label-loss-options.js';
import { selectBackend } from '../pipeline/select-backend.js';
import { runDirectoryAt, writeJson } from '../run/run-directory.js';
import { embedTexts } from './embed-texts.js';
import { embeddingBackbone } from './embedding-backbone.js';
import { EmbeddingDataset } from './embedding-dataset.js';
import { augmentedViews, buildTextAugmentation } from './text-augmentation-views.js';
import { textEncoderReference } from './text-encoder-metadata.js';

/** Options of {@link runTextTraining}. */
export interface RunTextTrainingOptions {
  /** The resolved `graft train` options; `backbone` names a registered text encoder. */
  config: TrainConfig;
  /** Where messages and results go. */
  output: CommandOutput;
  /** Replace a finished run in `config.out`. */
  overwrite: boolean;
  /** Text data: each non-empty line of a `.txt` file is one example. */
  linePerExample?: boolean;
  /** The encoder to use instead of `createSentenceEncoder(config.backbone)` (tests). */
  encoder?: SentenceEncoder;
}

/** Accuracy figures of one split in the text run's report. */
interface SplitFigures {
  accuracy: number;
  balancedAccuracy: number;
  macroF1: number;
  loss: number;
}

/**
 * `graft train <text data> --backbone use-lite`: reads the texts, drops duplicate texts (so none
 * is in two splits), splits them seeded and stratified, embeds every text (and `--augmented-passes`
 * augmented views of the training texts with `--augment`) once with the frozen encoder, and trains
 * the head with the trainer's feature extraction: same heads, optimisers, schedules, early
 * stopping, class weights and saved classifier as images.
 */
export async function runTextTraining(options: RunTextTrainingOptions): Promise<number> {
  const { config, output } = options;
  const started = performance.now();
  if (config.mode !== 'feature-extraction') {
    throw new InvalidArgumentError({
      argument: '--mode',
      value: config.mode,
      expected: `must be feature-extraction with the text encoder ${config.backbone} (a frozen graph model)`,
    });
  }
  const run = runDirectoryAt(config.out);
  if (!options.overwrite && (await exists(join(run.modelDir, 'model.json')))) {
    output.error(
      `graft: ${run.root} already holds a trained model; pass --overwrite or another --out`,
    );
    return exitCodes.usage;
  }
  const backend = await selectBackend();
  const { examples: all, report: dataReport } = await openTextData({
    path: config.data,
    ...(options.linePerExample ? { linePerExample: true } : {}),
  });
  for (const [what, list] of [
    ['empty, left out', dataReport.empty],
    ['cut to 10 000 characters', dataReport.truncated],
    ['not .txt, skipped', dataReport.skipped],
  ] as const) {
    if (list.length > 0)
      output.info(
        `graft: ${list.length} ${what}: ${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}`,
      );
  }
  const duplicates = findTextDuplicates(all);
  const examples = selectTextExamples(all, withoutTextDuplicates(all));
  if (duplicates.length > 0) {
    const conflicting = duplicates.filter((group) => group.conflictingLabels).length;
    output.info(
      `graft: ${all.texts.length - examples.texts.length} duplicate texts left out (kept the first of ${duplicates.length} groups; ${conflicting} with different labels), so no text is in two splits`,
    );
  }
  const fractions = config.split ?? [0.8, 0.1, 0.1];
  const splits = splitTextExamples(examples, { fractions, seed: config.seed });

  const encoder = options.encoder ?? (await createSentenceEncoder(config.backbone));
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
    const toDataset = (
      texts: readonly string[],
      labels: readonly number[],
      sources: readonly string[],
      embeddings: Float32Array,
    ) =>
      new EmbeddingDataset({
        classNames: examples.classNames,
        embeddings,
        featureDim: encoder.featureDim,
        labels,
        sources,
        keys: texts.map(
          (text) => `${encoder.weightsId}:${createHash('sha256').update(text).digest('hex')}`,
        ),
      });
    const trainData = toDataset(
      trainTexts,
      trainLabels,
      trainSources,
      await embedTexts({ encoder, texts: trainTexts, onProgress: progress('train') }),
    );
    const embedOf = async (part: TextExamples, label: string) =>
      toDataset(
        part.texts,
        part.labels,
        part.sources,
        await embedTexts({ encoder, texts: part.texts, onProgress: progress(label) }),
      );
    const validationData = await embedOf(splits.val, 'val');
    const testData = splits.test ? await embedOf(splits.test, 'test') : undefined;
    const embeddingSeconds = (performance.now() - embedStarted) / 1000;

    const head = createHeadFromSpecification(config.head, {
      featureDim: backbone.featureDim,
      numClasses: examples.classNames.length,
      seed: config.seed,
    });
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
      ...hardLabelLossOptions(config, examples.classNames),
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
      classNames: examples.classNames,
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
        ? { metrics: { validationAccuracy: validation.accuracy, validationLoss: validation.loss } }
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
      backend: backend.tfjsBackend,
      encoder: encoder.name,
      modality: 'text',
      classes: examples.classNames,
      examples: {
        train: splits.train.texts.length,
        augmentedViews: views.length * splits.train.texts.length,
        validation: splits.val.texts.length,
        test: splits.test?.texts.length ?? 0,
        duplicatesLeftOut: all.texts.length - examples.texts.length,
      },
      epochs: result.epoch,
      bestEpoch: best?.bestEpoch === undefined ? undefined : best.bestEpoch + 1,
      stopReason: result.stopReason,
      validation: figures(validation),
      test: figures(test),
      seconds: {
        total: (performance.now() - started) / 1000,
        embedding: embeddingSeconds,
        training: result.trainingSeconds,
      },
    };
    await writeJson(run.reportFile, summary);
    await writeJson(join(run.root, 'split-manifest.json'), {
      data: basename(resolve(config.data)),
      seed: config.seed,
      fractions,
      ...(options.linePerExample ? { linePerExample: true } : {}),
      sources: {
        train: splits.train.sources,
        val: splits.val.sources,
        ...(splits.test ? { test: splits.test.sources } : {}),
      },
    });
    head.dispose();
    output.result(
      JSON.stringify({
        run: summary.run,
        encoder: summary.encoder,
        classes: summary.classes.length,
        examples: summary.examples,
        epochs: summary.epochs,
        validationAccuracy: summary.validation?.accuracy,
        testAccuracy: summary.test?.accuracy,
      }),
    );
    return exitCodes.success;
  } finally {
    backbone.dispose();
    if (options.encoder === undefined) encoder.dispose();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
