import type { FeatureEngineRequest } from '@graft/onnx/node';
import type { FeatureStore, TrainingCheckpoint } from '@graft/trainer';
import type { TrainConfig } from '../config/train-config.js';
import type { CommandOutput } from '../output.js';
import type { QueueSettings } from '../queue/queue-flags.js';
import type { RecordedWeights } from './check-same-weights.js';
import type { ExtractionWorkers } from './extraction-workers.js';
import type { LossTermSettings } from './load-loss-terms.js';
import type { TrainingWorkers } from './training-workers.js';

/** Options of {@link runTraining}. */
export interface RunTrainingOptions {
  /** Validated options. */
  config: TrainConfig;
  /** Where to print. */
  output: CommandOutput;
  /** Continue from the run's last checkpoint. */
  resume?: TrainingCheckpoint;
  /**
   * With `resume`: the weights config.json recorded (`null`: random). The loaded backbone must
   * have the same sha256. Undefined for runs written before weights were recorded.
   */
  recordedWeights?: RecordedWeights | null;
  /** `--extraction-workers`: threads computing frozen features. Default `auto`. */
  extractionWorkers?: ExtractionWorkers;
  /** `--training-workers`: threads computing fine-tuning gradients. Default `auto`. */
  trainingWorkers?: TrainingWorkers;
  /** `--engine`: what computes frozen features. Default `auto`. */
  engine?: FeatureEngineRequest;
  /** Extra loss terms: `--teacher` (graft distill), `--coral-target` (graft train). */
  lossTerms?: LossTermSettings;
  /** `--overwrite`: replace an existing run at `config.out` (kept until the new one is saved). */
  overwrite?: boolean;
  /** The command, named to a second process that finds the run locked. Default `graft train`. */
  command?: string;
  /**
   * Feature extraction: where frozen features are looked up first (`--folds` shares one store
   * across its folds, so each image is featurised once). Default: a new in-memory store.
   */
  featureStore?: FeatureStore;
  /** `--no-cache`: `false` neither reads nor writes the disk feature cache. Default `true`. */
  featureCache?: boolean;
  /** `--queue`: frozen features computed by `graft worker` processes (queue/queued-features.ts). */
  queue?: QueueSettings;
}
