import { InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { assertLayerGradientKernels } from '../training/assert-gradient-kernels.js';
import { GraphEvaluator } from './graph-evaluator.js';

/** Options of {@link gradCam}. */
export interface GradCamOptions {
  /**
   * The classifier network: normalised images `[N, H, W, 3]` → `[N, C]` (probabilities or
   * logits), e.g. a saved classifier's model or `composeClassifier(...)`. Nested models (a head
   * applied as one layer) are looked into.
   */
  model: tfl.LayersModel;
  /** Normalised input batch, as the model takes it. Not disposed. */
  inputs: tf.Tensor4D;
  /**
   * Layer whose output is the spatial feature map explained (a backbone's `featureMapLayer`,
   * e.g. `out_relu`); may be inside a nested model. Default: the last 4-D tensor the model
   * computes, which for a backbone + head is the map global pooling reads.
   */
  featureMapLayer?: string;
  /**
   * Class explained: one index for every image, or one per image. Default: each image's most
   * probable class.
   */
  classIndex?: number | readonly number[];
  /** Divide each map by its maximum so it spans [0, 1] (all zeros stay zeros). Default `true`. */
  normalize?: boolean;
  /**
   * For a softmax model, differentiate the class logit minus the mean of the logits (default
   * `true`). Softmax ignores a shift shared by every logit, so the raw logit carries a part no
   * decision depends on, which can spread the map over everything the classes share; `false`
   * gives the raw-logit maps of the paper and of pytorch-grad-cam. Sigmoid models always use
   * the raw logit (each output is its own decision).
   */
  centreLogits?: boolean;
}

/** What {@link gradCam} returns; the caller disposes the tensors. */
export interface GradCamResult {
  /** `[N, h, w]` class-activation maps at the feature map's resolution, ≥ 0. */
  heatMaps: tf.Tensor3D;
  /** `[N]` int32: the class each map explains. */
  classIndices: tf.Tensor1D;
  /** `[N, C]`: the model's output for the inputs (probabilities for a softmax head). */
  outputs: tf.Tensor2D;
  /** Name of the layer whose output was explained. */
  featureMapLayer: string;
  /**
   * The score differentiated: `centred-logit` (a softmax logit minus the mean logit), `logit`
   * (the pre-softmax/sigmoid logit, Grad-CAM's original definition) or `output` (the model's
   * output itself, when no softmax/sigmoid ends the model).
   */
  score: 'centred-logit' | 'logit' | 'output';
}

/**
 * Grad-CAM (Selvaraju et al., 2017): for feature map `A` (channels `k`) and class score `y_c`,
 * `ReLU(Σ_k α_k A_k)` with `α_k = mean_ij ∂y_c/∂A_kij`. Works on any backend that has the
 * gradients of the layers after the feature map (pooling and dense layers: every tfjs backend,
 * wasm included); nothing before the map is differentiated. Runs in `tf.tidy`: only the
 * returned tensors survive.
 */
export function gradCam(options: GradCamOptions): GradCamResult {
  const { model, inputs } = options;
  if (inputs.rank !== 4) {
    throw new InvalidArgumentError({
      argument: 'inputs',
      value: inputs.shape,
      expected: 'must be a batch of images [N, H, W, 3]',
    });
  }
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new InvalidArgumentError({
      argument: 'model',
      value: model.name,
      expected: `must have one input and one output; it has ${model.inputs.length} and ${model.outputs.length}`,
    });
  }
  const output = model.outputs[0] as tfl.SymbolicTensor;
  let featureMapLayer = '';
  let score: GradCamResult['score'] = 'output';
  const result = tf.tidy(() => {
    // Pass 1: every intermediate value, the map to explain and the scores.
    const first = new GraphEvaluator();
    first.seed(model.inputs[0] as tfl.SymbolicTensor, inputs);
    const outputs = first.valueOf(output) as tf.Tensor2D;
    const squashed = first.logitsOf(output);
    score =
      squashed === undefined
        ? 'output'
        : squashed.activation === 'softmax' && (options.centreLogits ?? true)
          ? 'centred-logit'
          : 'logit';
    const scoresOf = (evaluator: GraphEvaluator): tf.Tensor2D => {
      if (score === 'output') return evaluator.valueOf(output) as tf.Tensor2D;
      const logits = evaluator.logitsOf(output)?.logits as tf.Tensor2D;
      return score === 'logit' ? logits : tf.sub(logits, tf.mean(logits, 1, true));
    };
    const scores = scoresOf(first);
    const position = featureMapPosition(first.computed, options.featureMapLayer);
    const boundary = first.computed[position] as tfl.SymbolicTensor;
    featureMapLayer = boundary.sourceLayer.name;
    const featureMap = first.values.get(boundary.id) as tf.Tensor4D;
    assertLayerGradientKernels(
      first.computed.slice(position + 1).map((tensor) => tensor.sourceLayer),
      'Grad-CAM',
    );
    const classCount = scores.shape[1];
    const classIndices = chosenClasses(options.classIndex, scores, classCount);
    const selection = tf.cast(tf.oneHot(classIndices, classCount), 'float32');
    // Pass 2: only what comes after the map is recomputed from it (everything computed before it
    // in pass 1 cannot depend on it), so the gradient flows through pooling and the head only.
    const gradient = tf.grad((map: tf.Tensor) => {
      const second = new GraphEvaluator();
      first.computed.slice(0, position).forEach((tensor) => {
        second.seed(tensor, first.values.get(tensor.id) as tf.Tensor);
      });
      second.seed(model.inputs[0] as tfl.SymbolicTensor, inputs);
      second.seed(boundary, map);
      return tf.sum(tf.mul(scoresOf(second), selection));
    })(featureMap);
    const weights = tf.mean(gradient, [1, 2], true);
    let heatMaps = tf.relu(tf.sum(tf.mul(featureMap, weights), -1)) as tf.Tensor3D;
    if (options.normalize ?? true) {
      const peak = tf.max(heatMaps, [1, 2], true);
      // A map with no positive evidence stays all zeros instead of dividing by zero.
      heatMaps = tf.div(heatMaps, tf.maximum(peak, 1e-12)) as tf.Tensor3D;
    }
    return { heatMaps, classIndices, outputs };
  });
  return { ...result, featureMapLayer, score };
}

/** Index in `computed` of the map to explain: the named layer's output, or the last 4-D one. */
function featureMapPosition(
  computed: readonly tfl.SymbolicTensor[],
  featureMapLayer: string | undefined,
): number {
  const spatial = computed.flatMap((tensor, index) => (tensor.shape.length === 4 ? [index] : []));
  const position =
    featureMapLayer === undefined
      ? spatial.at(-1)
      : spatial.findLast((index) => computed[index]?.sourceLayer.name === featureMapLayer);
  if (position !== undefined) return position;
  const names = spatial.map((index) => computed[index]?.sourceLayer.name);
  throw new InvalidArgumentError({
    argument: 'featureMapLayer',
    value: featureMapLayer ?? '(last 4-D tensor)',
    expected:
      names.length === 0
        ? 'needs a layer with a 4-D output [N, h, w, c] after the input; the model has none'
        : `must name a layer with a 4-D output [N, h, w, c]; the last ones of the model: ${names.slice(-6).join(', ')}`,
  });
}

/** `[N]` int32 class indices: the given ones (checked), or the arg-max of `scores`. */
function chosenClasses(
  classIndex: GradCamOptions['classIndex'],
  scores: tf.Tensor2D,
  classCount: number,
): tf.Tensor1D {
  const count = scores.shape[0];
  if (classIndex === undefined) return tf.argMax(scores, 1) as tf.Tensor1D;
  const list =
    typeof classIndex === 'number' ? new Array<number>(count).fill(classIndex) : classIndex;
  if (list.length !== count) {
    throw new InvalidArgumentError({
      argument: 'classIndex',
      value: classIndex,
      expected: `must be one class index, or one per image (${count})`,
    });
  }
  for (const index of list) {
    if (!(Number.isInteger(index) && index >= 0 && index < classCount)) {
      throw new InvalidArgumentError({
        argument: 'classIndex',
        value: classIndex,
        expected: `must hold integers in [0, ${classCount - 1}] (the model has ${classCount} classes)`,
      });
    }
  }
  return tf.tensor1d([...list], 'int32');
}
