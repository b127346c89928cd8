import { type Backbone, type Head, type ImageDataset, InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ClassifierMetadata } from '../classifier/classifier-metadata.js';
import { extractFeatures, type FeatureTable } from '../features/extract-features.js';
import type { FeatureComputer } from '../features/feature-computer.js';
import type { FeatureStore } from '../features/feature-store.js';
import { type CalibrationBin, expectedCalibrationError } from './expected-calibration-error.js';
import { fitTemperature, softmaxWithTemperature, type TemperatureFit } from './fit-temperature.js';

/**
 * `metadata.json`'s `graft.calibration`: the temperature fitted after training. The saved
 * model already applies it (see {@link applyTemperature}), so every consumer of the weights —
 * `Classifier`, a tfjs or Teachable Machine export, an ONNX export — gives the calibrated
 * probabilities without reading this; it records what was done and how well it worked.
 */
export interface CalibrationMetadata {
  /** `temperature-scaling`. */
  method: 'temperature-scaling';
  /** T: the model's output is `softmax(logits / T)`. */
  temperature: number;
  /**
   * `output-layer-weights`: the output Dense layer's kernel and bias were divided by T, which
   * is `softmax(logits / T)` exactly, with no extra operation for any runtime to support.
   */
  appliedTo: 'output-layer-weights';
  /** Split it was fitted on (`validation`). */
  fittedOn: string;
  /** Labelled images it was fitted on. */
  images: number;
  /** Confidence bins of the ECE figures. */
  bins: number;
  /** Expected calibration error on those images before (T = 1) and after. */
  expectedCalibrationError: { before: number; after: number };
  /** Mean negative log-likelihood on those images before and after. */
  negativeLogLikelihood: { before: number; after: number };
  [key: string]: string | number | { before: number; after: number };
}

/**
 * The temperature a loaded model applies: `graft.calibration.temperature`, or 1 for models
 * saved without calibration (older files, Teachable Machine exports).
 */
export function calibrationTemperature(metadata: ClassifierMetadata): number {
  const calibration = metadata.graft.calibration as { temperature?: unknown } | undefined;
  const temperature = calibration?.temperature;
  return typeof temperature === 'number' && temperature > 0 ? temperature : 1;
}

/**
 * The model's final layer when it is a Dense layer with a softmax activation, looking inside
 * nested models (a composed classifier holds the head as one nested layer); else throws,
 * naming the layer found.
 */
export function softmaxOutputLayer(model: tfl.LayersModel): tfl.layers.Layer {
  let layer: tfl.layers.Layer | undefined = model.layers[model.layers.length - 1];
  while (layer instanceof tfl.LayersModel) layer = layer.layers[layer.layers.length - 1];
  const config = layer?.getConfig();
  if (layer === undefined || layer.getClassName() !== 'Dense' || config?.activation !== 'softmax') {
    throw new InvalidArgumentError({
      argument: 'model',
      value: layer === undefined ? 'no layers' : `${layer.getClassName()} ${layer.name}`,
      expected:
        'must end in a Dense layer with a softmax activation (every registered single-label head does) for temperature scaling',
    });
  }
  return layer;
}

/**
 * Divides the output Dense layer's kernel and bias by `temperature`, in place:
 * `softmax((x·W + b) / T) = softmax(x·(W/T) + b/T)`. Apply it once, after training; the caller
 * records `temperature` in the metadata (`calibration` of `exportClassifier`).
 */
export function applyTemperature(model: tfl.LayersModel, temperature: number): void {
  if (!(temperature > 0 && Number.isFinite(temperature))) {
    throw new InvalidArgumentError({
      argument: 'temperature',
      value: temperature,
      expected: 'must be a finite number > 0',
    });
  }
  const layer = softmaxOutputLayer(model);
  tf.tidy(() => layer.setWeights(layer.getWeights().map((weight) => tf.div(weight, temperature))));
}

/**
 * The head's logits (its output before the softmax) for `[N, featureDim]` features; the caller
 * disposes the result.
 */
export function headLogits(head: Head, features: tf.Tensor2D): tf.Tensor2D {
  const layer = softmaxOutputLayer(head.model);
  return tf.tidy(() => {
    const input = layer.input as tfl.SymbolicTensor;
    // The output layer's input: the features themselves, or an inner tensor (hidden layers).
    const inner =
      input === head.model.inputs[0]
        ? features
        : (tfl
            .model({ inputs: head.model.inputs, outputs: input })
            .predict(features) as tf.Tensor2D);
    const [kernel, bias] = layer.getWeights();
    const product = tf.matMul(inner, kernel as tf.Tensor2D);
    return (bias === undefined ? product : tf.add(product, bias)) as tf.Tensor2D;
  });
}

/** Options of {@link calibrateHead}. */
export interface CalibrateHeadOptions {
  /** The trained backbone (run in inference mode). */
  backbone: Backbone;
  /** The trained head, ending in Dense + softmax; its output layer is rescaled in place. */
  head: Head;
  /** Labelled held-out images, usually the validation split. */
  data?: ImageDataset;
  /** Or their features, already computed by `backbone` (e.g. the trainer's cached ones). */
  table?: FeatureTable;
  /** Confidence bins of the ECE figures. Default 15. */
  bins?: number;
  /** Images per backbone call. Default 32. */
  batchSize?: number;
  /** Runs the backbone elsewhere (worker threads); only valid while it holds `backbone`'s weights. */
  featureComputer?: FeatureComputer;
  /**
   * Where `data`'s features are looked up first (and stored), e.g. the store the training run
   * just filled with its validation features: then no image is decoded again.
   */
  store?: FeatureStore;
  /** Cancels the extraction. */
  signal?: AbortSignal;
  /** Name of the split, recorded in the metadata. Default `validation`. */
  fittedOn?: string;
}

/** What {@link calibrateHead} returns. */
export interface CalibrationResult {
  /** The fit (also when it was not applied). */
  fit: TemperatureFit;
  /** Whether the head was rescaled; not when the data cannot identify T (`fit.atBound === 'lower'`). */
  applied: boolean;
  /** Why not, when not applied. */
  reason?: string;
  /** For the metadata (`exportClassifier({ calibration })`); only when applied. */
  metadata?: CalibrationMetadata;
  /** Reliability bins before and after (after = before when not applied). */
  reliability: { before: CalibrationBin[]; after: CalibrationBin[] };
  /** ECE before and after. */
  expectedCalibrationError: { before: number; after: number };
}

/**
 * Temperature scaling of a trained classifier: the head's logits on held-out images, the T
 * minimising their NLL ({@link fitTemperature}), then {@link applyTemperature} on the head.
 * Predictions (the arg-max) never change; probabilities do. When every held-out image is
 * already classified right with margin, the likelihood grows without bound as T → 0, so no T
 * is applied and `reason` says so.
 */
export async function calibrateHead(options: CalibrateHeadOptions): Promise<CalibrationResult> {
  const { backbone, head } = options;
  let table = options.table;
  if (table === undefined) {
    if (options.data === undefined) {
      throw new InvalidArgumentError({
        argument: 'data',
        value: undefined,
        expected: 'calibrateHead needs `data` (labelled images) or `table` (their features)',
      });
    }
    ({ table } = await extractFeatures({
      backbone,
      data: options.data,
      batchSize: options.batchSize ?? 32,
      ...(options.featureComputer ? { featureComputer: options.featureComputer } : {}),
      ...(options.store ? { store: options.store } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    }));
  }
  const logits = await tableLogits(head, table);
  const classes = table.numClasses;
  const labels = table.labels;
  const bins = options.bins ?? 15;
  const fit = fitTemperature({ logits, labels, classes });
  const before = expectedCalibrationError({
    probabilities: softmaxWithTemperature(logits, classes, 1),
    labels,
    classes,
    bins,
  });
  if (fit.atBound === 'lower') {
    return {
      fit,
      applied: false,
      reason: `the ${table.count} held-out images are all classified right, so their likelihood keeps growing as the temperature falls and no temperature is identifiable; kept T = 1`,
      reliability: { before: before.bins, after: before.bins },
      expectedCalibrationError: {
        before: before.expectedCalibrationError,
        after: before.expectedCalibrationError,
      },
    };
  }
  const after = expectedCalibrationError({
    probabilities: softmaxWithTemperature(logits, classes, fit.temperature),
    labels,
    classes,
    bins,
  });
  applyTemperature(head.model, fit.temperature);
  const expectedError = {
    before: before.expectedCalibrationError,
    after: after.expectedCalibrationError,
  };
  return {
    fit,
    applied: true,
    metadata: {
      method: 'temperature-scaling',
      temperature: fit.temperature,
      appliedTo: 'output-layer-weights',
      fittedOn: options.fittedOn ?? 'validation',
      images: table.count,
      bins,
      expectedCalibrationError: expectedError,
      negativeLogLikelihood: fit.negativeLogLikelihood,
    },
    reliability: { before: before.bins, after: after.bins },
    expectedCalibrationError: expectedError,
  };
}

/** The head's logits for every row of a feature table, row-major. */
async function tableLogits(head: Head, table: FeatureTable): Promise<Float32Array> {
  const result = new Float32Array(table.count * table.numClasses);
  const batchSize = 256;
  for (let start = 0; start < table.count; start += batchSize) {
    const size = Math.min(batchSize, table.count - start);
    const logits = tf.tidy(() =>
      headLogits(
        head,
        tf.tensor2d(
          table.features.subarray(start * table.featureDim, (start + size) * table.featureDim),
          [size, table.featureDim],
        ),
      ),
    );
    result.set((await logits.data()) as Float32Array, start * table.numClasses);
    logits.dispose();
  }
  return result;
}
