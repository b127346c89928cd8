import type { monitorChoices } from './loss-options.js';
import type { MultiLabelOptions } from './multi-label-options.js';

/** Training modes. */
export const trainingModes = ['feature-extraction', 'fine-tune'] as const;
/** How the backbone is used during training. */
export type TrainingMode = (typeof trainingModes)[number];

/** Everything `graft train` needs, after merging the config file, the flags and the defaults. */
export interface TrainConfig extends MultiLabelOptions {
  /** Data: a folder with `train/` and `val/` (optional `test/`), a flat class folder, or `cifar10`/`cifar100`. */
  data: string;
  /** Fractions train/val/test used to split a flat class folder. */
  split: [number, number, number] | undefined;
  /** A split manifest (an earlier run's `split-manifest.json`) to train on instead of splitting. */
  splitManifest: string | undefined;
  /** Registered backbone name, or the path of a TF.js LayersModel `model.json` (or its folder). */
  backbone: string;
  /**
   * Weights: `imagenet` (the backbone's default pretrained weights), `none` (random), or a file
   * path (TF.js folder or `model.json`, Keras `.h5`, `.safetensors`); `model` (the only choice)
   * for a model-file backbone, whose weights are in the file.
   */
  weights: string;
  /** Model-file backbone: the layer whose output is the features; undefined for the model output. */
  featureLayer: string | undefined;
  /** Model-file backbone: the input value range its weights expect; undefined for `[-1, 1]`. */
  inputRange: [number, number] | undefined;
  /** Feature extraction (frozen backbone, cached features) or fine-tuning. */
  mode: TrainingMode;
  /** Epochs. */
  epochs: number;
  /** Images per batch. */
  batchSize: number;
  /** Peak learning rate. */
  learningRate: number;
  /** Learning-rate schedule name. */
  schedule: string;
  /**
   * The optimiser: a registered name with options (`sgd:momentum=0.9,nesterov=true`, `adamw`) or
   * a JSON object with a `name`; its learning rate comes from `learningRate` and `schedule`.
   */
  optimizer: string;
  /** Augmentation: comma-separated op names, or a JSON pipeline config; undefined for none. */
  augment: string | undefined;
  /**
   * The classifier head: a registered name with options (`mlp:hiddenUnits=[1024],dropout=0.2`) or
   * a JSON object with a `name`; see `parseHeadSpecification`.
   */
  head: string;
  /** Fine-tuning: first backbone layer (name or index) to train; earlier layers stay frozen. */
  unfreezeFrom: string | undefined;
  /**
   * Fine-tuning: images per forward/backward pass (gradients are summed over the batch);
   * undefined for the trainer's choice from a memory estimate.
   */
  microBatch: number | undefined;
  /**
   * Fine-tuning, staged unfreeze: epochs training only the head on cached features before
   * unfreezing (then `epochs` more from `unfreezeFrom`). 0 unfreezes at once.
   */
  freezeEpochs: number;
  /** Staged unfreeze: the head's learning rate in the frozen epochs. */
  headLearningRate: number;
  /**
   * Fine-tuning, gradual unfreeze: `<epochs done>:<stage>` items (`2:block_16,4:block_13,6:all`);
   * `epochs` then counts the whole run, head-only epochs included.
   */
  unfreezeStages: string | undefined;
  /** Fine-tuning: multiplies the backbone's learning rate (discriminative rates, e.g. 0.1). */
  backboneLearningRateFactor: number | undefined;
  /** Fine-tuning: per-stage decay of the backbone's learning rate from the top (e.g. 0.7). */
  layerDecay: number | undefined;
  /** Fine-tuning: `auto` trains on cached activations of the frozen layers when exact, `off` never. */
  frozenPrefixCache: 'auto' | 'off';
  /**
   * Fine-tuning: `frozen` keeps BatchNormalization layers in inference mode when unfreezing
   * (Keras's advice for small data), `train` trains them with batch statistics.
   */
  batchNorm: 'frozen' | 'train';
  /** Clip each step's gradients to this global L2 norm; undefined for no clipping. */
  clipNorm: number | undefined;
  /**
   * Feature extraction with `augment`: augmented copies of the training set to featurise
   * (epoch e trains on copy e mod passes); undefined for the trainer's default (4).
   */
  augmentedPasses: number | undefined;
  /** Early-stopping patience in epochs on validation loss; 0 turns it off. */
  earlyStop: number;
  /** Seed of every random choice (split, shuffling, augmentation, head initialisation). */
  seed: number;
  /** Run directory. */
  out: string;
  /** Keep the best epoch's weights (by validation accuracy) rather than the last one. */
  keepBest: boolean;
  /** Checkpoints kept in `checkpoints/` (the newest; older ones are deleted). At least 1. */
  keepCheckpoints: number;
  /** The best checkpoints (by `monitor`) kept in `checkpoints/` besides the newest. Default 0. */
  keepBestCheckpoints: number;
  /**
   * The hard-label loss: `cross-entropy` or `focal:gamma=2[,alpha=[…]]` (a registered loss in
   * the shared `name:key=value` syntax, or its JSON).
   */
  loss: string;
  /** Class weights: `balanced`, or `class=weight` pairs (`ants=1,bees=4`); undefined for none. */
  classWeight: string | undefined;
  /** Label smoothing ε in [0, 1). */
  labelSmoothing: number;
  /** What early stopping and `--keep-best` watch: val_loss, val_accuracy, val_balanced_accuracy, val_macro_f1. */
  monitor: (typeof monitorChoices)[number];
  /** Temperature scaling on the validation split after training (when there is one). */
  calibrate: boolean;
}

/** Defaults of optional fields. `backbone` and `out` are filled in by the command. */
export const trainDefaults = {
  weights: 'imagenet',
  mode: 'feature-extraction',
  epochs: 10,
  batchSize: 32,
  learningRate: 0.001,
  schedule: 'constant',
  optimizer: 'adam',
  head: 'linear',
  earlyStop: 0,
  seed: 0,
  keepBest: true,
  keepCheckpoints: 2,
  keepBestCheckpoints: 0,
  calibrate: true,
  freezeEpochs: 0,
  headLearningRate: 0.003,
  frozenPrefixCache: 'auto',
  batchNorm: 'frozen',
  loss: 'cross-entropy',
  labelSmoothing: 0,
  monitor: 'val_loss',
} as const satisfies Partial<TrainConfig>;
