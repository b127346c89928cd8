import { basename, join, resolve } from 'node:path';
import { isSentenceEncoderName } from '@graft/backbones';
import type { Command } from 'commander';
import { isModelFileReference } from '../config/backbone-reference.js';
import { loadConfigFile } from '../config/load-config-file.js';
import { resolveTrainConfig, type TrainConfig, trainingModes } from '../config/train-config.js';
import { parseFolds } from '../folds/fold-plan.js';
import { runFolds } from '../folds/run-folds.js';
import type { CommandOutput } from '../output.js';
import { defaultBackboneName } from '../pipeline/defaults.js';
import { parseExtractionWorkers } from '../pipeline/extraction-workers.js';
import { engineOption, parseFeatureEngine } from '../pipeline/feature-engine.js';
import { parseNumberFlag } from '../pipeline/load-loss-terms.js';
import { addMultiLabelFlags } from '../pipeline/multi-label-flags.js';
import { runTraining } from '../pipeline/run-training.js';
import { noCacheOption } from '../pipeline/training-feature-cache.js';
import { parseTrainingWorkers } from '../pipeline/training-workers.js';
import { addQueueFlags, type QueueFlags, queueSettingsFrom } from '../queue/queue-flags.js';
import { checkQueueConfig } from '../queue/queued-features.js';
import { refuseImageOnlyFlags } from '../text/refuse-image-only-flags.js';
import { runTextTraining } from '../text/run-text-training.js';

/** Flags of `graft train`, as commander gives them (strings; validated by resolveTrainConfig). */
export interface TrainFlags extends QueueFlags {
  config?: string;
  split?: string;
  splitManifest?: string;
  backbone?: string;
  weights?: string;
  featureLayer?: string;
  inputRange?: string;
  mode?: string;
  epochs?: string;
  batchSize?: string;
  lr?: string;
  schedule?: string;
  optimizer?: string;
  batchNorm?: string;
  clipNorm?: string;
  augmentedPasses?: string;
  augment?: string;
  head?: string;
  unfreezeFrom?: string;
  microBatch?: string;
  freezeEpochs?: string;
  headLr?: string;
  unfreezeStages?: string;
  backboneLrFactor?: string;
  layerDecay?: string;
  frozenPrefixCache?: string;
  earlyStop?: string;
  seed?: string;
  out?: string;
  keepBest?: boolean | string;
  keepCheckpoints?: string;
  loss?: string;
  classWeight?: string;
  labelSmoothing?: string;
  monitor?: string;
  calibrate?: boolean;
  overwrite?: boolean;
  extractionWorkers?: string;
  trainingWorkers?: string;
  engine?: string;
  coralTarget?: string;
  coralWeight?: string;
  folds?: string;
  labels?: string;
  labelDelimiter?: string;
  threshold?: string;
  /** `--no-cache` sets it to `false`. */
  cache?: boolean;
  /** Text data: each non-empty line of a `.txt` file is one example. */
  linePerExample?: boolean;
}

/** Adds the training flags shared by `graft train` and `graft demo`. */
export function addTrainingFlags(command: Command): Command {
  return command
    .option(
      '--backbone <name|model.json>',
      'registered backbone (graft backbones lists them), or a TF.js LayersModel model.json or its folder',
    )
    .option(
      '--weights <source>',
      'imagenet (pretrained, default), none (random), or a weights file: TF.js folder or model.json, Keras .h5, .safetensors',
    )
    .option(
      '--feature-layer <layer>',
      'with --backbone model.json: layer whose output is the features (default: the model output)',
    )
    .option(
      '--input-range <min,max>',
      'with --backbone model.json: pixel range its weights expect (default -1,1; e.g. 0,1 or 0,255)',
    )
    .option('--mode <mode>', `${trainingModes.join(' | ')} (default feature-extraction)`)
    .option('--epochs <n>', 'epochs (default 10)')
    .option('--batch-size <n>', 'images per step (default 32)')
    .option('--lr <rate>', 'peak learning rate (default 0.001)')
    .option(
      '--schedule <schedule>',
      'learning-rate schedule: constant, cosine, one-cycle, … or name:key=value,… (default constant)',
    )
    .option(
      '--optimizer <optimizer>',
      'optimiser: adam, adamw, sgd, or name:key=value,… e.g. sgd:momentum=0.9,nesterov=true or adamw:weightDecay=0.05 (default adam)',
    )
    .option('--clip-norm <norm>', "clip each step's gradients to this global L2 norm (default off)")
    .option(
      '--augment <ops>',
      'augmentation ops joined by +, e.g. randomFlip+randomRotation:degrees=15,fill=0 (or a JSON pipeline)',
    )
    .option(
      '--augmented-passes <n>',
      'feature extraction with --augment: augmented copies of the training set to featurise; epoch e trains on copy e mod n (default 4)',
    )
    .option(
      '--head <head>',
      'classifier head: linear, mlp, multi-label, or name:key=value,… e.g. mlp:hiddenUnits=[1024],dropout=0.2 or mlp:units=1024 (default linear)',
    )
    .option('--unfreeze-from <layer>', 'fine-tune: first stage or layer to train, e.g. block_13')
    .option(
      '--micro-batch <n>',
      'fine-tune: images per forward/backward pass (default: the largest whose estimated memory fits 60 % of the 4 GiB wasm heap)',
    )
    .option(
      '--freeze-epochs <n>',
      'fine-tune, staged unfreeze: head-only epochs on cached features first, then --epochs unfrozen (default 0)',
    )
    .option(
      '--head-lr <rate>',
      'staged unfreeze: head learning rate of the frozen epochs (default 0.003)',
    )
    .option(
      '--unfreeze-stages <list>',
      'fine-tune, gradual unfreeze: <epochs done>:<stage|all> items, e.g. 2:block_16,4:block_13,6:all (head alone before; --epochs counts the whole run)',
    )
    .option(
      '--backbone-lr-factor <f>',
      'fine-tune: backbone learning rate = --lr × f, in (0, 1] (discriminative rates, e.g. 0.1)',
    )
    .option(
      '--layer-decay <d>',
      'fine-tune: the backbone stage k from the top trains at --lr × d^k, in (0, 1] (e.g. 0.7)',
    )
    .option(
      '--frozen-prefix-cache <auto|off>',
      'fine-tune: compute the frozen layers once and train the rest on their output (default auto)',
    )
    .option(
      '--batch-norm <frozen|train>',
      'fine-tune: frozen keeps BatchNorm layers in inference mode when unfreezing (small data), train trains them on batch statistics (default frozen)',
    )
    .option(
      '--early-stop <patience>',
      'stop after this many epochs without improvement of --monitor (default val_loss; 0 = off)',
    )
    .option('--seed <n>', 'seed of splits, shuffling, augmentation and initialisation (default 0)')
    .option(
      '--keep-best [k]',
      'restore the best epoch by --monitor (default lowest val_loss) at the end (default on); with k, also keep its k best checkpoints',
    )
    .option('--no-keep-best', 'keep the last epoch instead of the best one')
    .option(
      '--keep-checkpoints <k>',
      'checkpoints kept in <out>/checkpoints, newest first (default 2)',
    )
    .option(
      '--loss <loss>',
      'hard-label loss: cross-entropy (default) or focal[:gamma=2,alpha=[a1,a2,…]] (alpha in class order)',
    )
    .option(
      '--class-weight <weights>',
      'imbalanced classes: balanced (n_samples / (n_classes · count)) or class=weight pairs, e.g. ants=1,bees=4',
    )
    .option('--label-smoothing <e>', 'label smoothing in [0, 1), e.g. 0.1 (default 0)')
    .option(
      '--monitor <metric>',
      'what --early-stop and --keep-best watch: val_loss (default), val_accuracy, val_balanced_accuracy, val_macro_f1',
    )
    .option(
      '--calibrate',
      'fit a temperature on the validation split after training and save it in the model (default on when there is one)',
    )
    .option('--no-calibrate', 'save the model without temperature scaling')
    .option('--out <dir>', 'run directory (default runs/<data>-<backbone>)')
    .option(
      '--overwrite',
      'replace the run already in --out (it is kept until the new run is saved)',
    )
    .option(...noCacheOption);
}

/** A backbone's short name for run folders: a model file's folder name, else the registered name. */
export function backboneLabel(backbone: string): string {
  if (!isModelFileReference(backbone)) return backbone;
  return basename(resolve(backbone).replace(/[\\/]model\.json$/i, '')) || 'model';
}

/** Merges `--config` and flags into a validated {@link TrainConfig}. */
export async function trainConfigFrom(
  data: string | undefined,
  flags: TrainFlags,
): Promise<TrainConfig> {
  const file = flags.config ? await loadConfigFile(flags.config) : undefined;
  return resolveTrainConfig({
    ...(file ? { file } : {}),
    flags: {
      data,
      split: flags.split,
      splitManifest: flags.splitManifest,
      backbone: flags.backbone,
      weights: flags.weights,
      featureLayer: flags.featureLayer,
      inputRange: flags.inputRange,
      mode: flags.mode,
      epochs: flags.epochs,
      batchSize: flags.batchSize,
      lr: flags.lr,
      schedule: flags.schedule,
      optimizer: flags.optimizer,
      batchNorm: flags.batchNorm,
      clipNorm: flags.clipNorm,
      augmentedPasses: flags.augmentedPasses,
      augment: flags.augment,
      head: flags.head,
      unfreezeFrom: flags.unfreezeFrom,
      microBatch: flags.microBatch,
      freezeEpochs: flags.freezeEpochs,
      headLearningRate: flags.headLr,
      unfreezeStages: flags.unfreezeStages,
      backboneLearningRateFactor: flags.backboneLrFactor,
      layerDecay: flags.layerDecay,
      frozenPrefixCache: flags.frozenPrefixCache,
      earlyStop: flags.earlyStop,
      seed: flags.seed,
      out: flags.out,
      // commander sets keepBest true by default for --no-keep-best; only `false` is an override.
      keepBest: flags.keepBest === false ? false : undefined,
      // `--keep-best <k>`: the best epoch is restored, and its k best checkpoints kept.
      keepBestCheckpoints: typeof flags.keepBest === 'string' ? flags.keepBest : undefined,
      keepCheckpoints: flags.keepCheckpoints,
      labels: flags.labels,
      labelDelimiter: flags.labelDelimiter,
      threshold: flags.threshold,
      loss: flags.loss,
      classWeight: flags.classWeight,
      labelSmoothing: flags.labelSmoothing,
      monitor: flags.monitor,
      calibrate: flags.calibrate,
    },
    defaults: {
      backbone: defaultBackboneName,
      out: ({ data: source, backbone }) =>
        join('runs', `${basename(resolve(source)) || 'data'}-${backboneLabel(backbone)}`),
    },
  });
}

/** `graft train <data>`: trains a classifier and writes a run directory. */
export function registerTrainCommand(program: Command, output: CommandOutput): void {
  const command = program
    .command('train')
    .description(
      'train a classifier on an image folder (train/ val/, or class folders with --split) or cifar10/cifar100',
    )
    .argument('[data]', 'image folder, or cifar10 / cifar100 (may come from --config)')
    .option('-c, --config <file>', 'JSON or YAML file of the options below (flags override it)')
    .option(
      '--split <fractions>',
      'train,val[,test] fractions for a folder without val/ (default 0.8,0.1,0.1)',
    )
    .option(
      '--split-manifest <file>',
      "train on exactly the files of a split manifest (a run's split-manifest.json), resolved against <data>",
    )
    .option(
      '--extraction-workers <n>',
      'threads computing frozen features, each with its own backbone and memory (default auto: one per CPU on wasm/cpu; 1 = this thread)',
    )
    .option(
      '--training-workers <n>',
      'fine-tuning: threads computing gradients, each with a replica of the model and its own memory (default auto: one per CPU on wasm/cpu; 1 = this thread)',
    )
    .option(
      '--coral-target <dir>',
      'Deep CORAL: folder of unlabelled target-domain images whose statistics the head aligns to',
    )
    .option('--coral-weight <w>', 'weight of the CORAL term (default 1)')
    .option(
      '--folds <k>',
      'stratified k-fold cross-validation: <out>/fold-1 … fold-k runs and the mean ± std in <out>/cv-summary.json',
    )
    .option(...engineOption)
    .option(
      '--line-per-example',
      'text data (--backbone use-lite): each non-empty line of a .txt file is one example (default: one per file)',
    );
  addQueueFlags(command);
  addMultiLabelFlags(command);
  addTrainingFlags(command).action(async (data: string | undefined, flags: TrainFlags) => {
    const config = await trainConfigFrom(data, flags);
    const folds = parseFolds(flags.folds);
    // A text encoder as --backbone: text data (folder of .txt, CSV or JSONL), own small pipeline.
    if (isSentenceEncoderName(config.backbone)) {
      refuseImageOnlyFlags(flags, config.backbone);
      process.exitCode = await runTextTraining({
        config,
        output,
        overwrite: flags.overwrite === true,
        linePerExample: flags.linePerExample === true,
        featureCache: flags.cache !== false,
        folds,
      });
      return;
    }
    const queue = queueSettingsFrom(flags);
    if (queue) checkQueueConfig(config, folds);
    // With --queue the workers extract: no local extraction threads unless asked for.
    const extractionWorkers = parseExtractionWorkers(
      flags.extractionWorkers ?? (queue ? '1' : undefined),
    );
    const trainingWorkers = parseTrainingWorkers(flags.trainingWorkers);
    const engine = parseFeatureEngine(flags.engine);
    const coralWeight = parseNumberFlag('--coral-weight', flags.coralWeight);
    const lossTerms =
      flags.coralTarget !== undefined || coralWeight !== undefined
        ? {
            ...(flags.coralTarget !== undefined ? { coralTarget: flags.coralTarget } : {}),
            ...(coralWeight !== undefined ? { coralWeight } : {}),
          }
        : undefined;
    if (folds !== undefined) {
      process.exitCode = await runFolds({
        config,
        folds,
        output,
        extractionWorkers,
        trainingWorkers,
        engine,
        ...(lossTerms ? { lossTerms } : {}),
        overwrite: flags.overwrite === true,
      });
      return;
    }
    process.exitCode = await runTraining({
      config,
      output,
      extractionWorkers,
      trainingWorkers,
      engine,
      ...(lossTerms ? { lossTerms } : {}),
      overwrite: flags.overwrite === true,
      featureCache: flags.cache !== false,
      ...(queue ? { queue } : {}),
    });
  });
}
