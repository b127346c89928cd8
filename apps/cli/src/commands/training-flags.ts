import type { Command } from 'commander';
import { trainingModes } from '../config/train-config.js';
import { noCacheOption } from '../pipeline/training-feature-cache.js';
import type { QueueFlags } from '../queue/queue-flags.js';

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
