import type * as tfl from '@tensorflow/tfjs-layers';

/** Options of {@link buildTrainingGraphs}. */
export interface TrainingGraphOptions {
  /** The backbone network: one NHWC float input with known spatial size, one output. Read only. */
  model: tfl.LayersModel;
  /** Weights whose gradients the backward graph returns, in this order. */
  variables: readonly tfl.LayerVariable[];
  /** Whether a BatchNormalization layer uses (and reports) batch statistics. */
  batchNormTraining(layer: tfl.layers.Layer): boolean;
}

/** A training-mode BatchNorm's batch statistics, as outputs of the forward graph. */
export interface BatchStatisticOutputs {
  /** The BatchNormalization layer. */
  layer: tfl.layers.Layer;
  /** Forward-graph output with the batch mean `[C]`. */
  mean: string;
  /** Forward-graph output with the batch (biased) variance `[C]`. */
  variance: string;
}

/** Two ONNX models that together make one training step of a backbone. */
export interface TrainingGraphs {
  /**
   * Forward model. Inputs: `images` (NHWC) and the weights in {@link forwardWeights}. Outputs:
   * `features` (the model's output, tfjs layout), the batch statistics, then {@link saved}.
   */
  forward: Uint8Array;
  /**
   * Backward model. Inputs: `d_features` (gradient of the loss with respect to `features`), the
   * weights in {@link backwardWeights} and {@link saved}. Outputs: {@link gradients}.
   */
  backward: Uint8Array;
  /** Graph input name → weight, for the forward model. */
  forwardWeights: Map<string, tfl.LayerVariable>;
  /** Graph input name → weight, for the backward model. */
  backwardWeights: Map<string, tfl.LayerVariable>;
  /** Forward values the backward model reads (forward outputs, backward inputs, same names). */
  saved: string[];
  /** Batch statistics of the training-mode BatchNorm layers, in layer order. */
  statistics: BatchStatisticOutputs[];
  /** Backward output of each requested variable's gradient (tfjs layout); `undefined` when it does not reach the features. */
  gradients: Array<string | undefined>;
}
