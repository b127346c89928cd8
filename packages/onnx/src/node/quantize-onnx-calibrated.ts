import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import { onnxMessageType } from '../proto/onnx-schema.js';
import { ActivationRangeObserver } from '../quantize/activation-range-observer.js';
import { buildCalibrationModel } from '../quantize/build-calibration-model.js';
import { PercentileRangeObserver } from '../quantize/percentile-range-observer.js';
import { type QuantizedOnnxStatic, quantizeOnnxStatic } from '../quantize/quantize-onnx-static.js';
import { loadOnnxRuntime, type OnnxRuntime } from './load-onnx-runtime.js';

/** One calibration batch, exactly what the model's input takes (normalised NHWC pixels). */
export interface CalibrationBatch {
  /** float32 values, row-major. */
  data: Float32Array;
  /** Its shape, e.g. `[8, 224, 224, 3]`. */
  shape: readonly number[];
}

/** Options of {@link quantizeOnnxCalibrated}. */
export interface QuantizeOnnxCalibratedOptions {
  /** A serialized float32 ONNX model with one input (e.g. `exportClassifierToOnnx(…).model`). */
  model: Uint8Array;
  /** The calibration images, batch by batch (a seeded sample of the training images). */
  batches: AsyncIterable<CalibrationBatch>;
  /** onnxruntime-node, when already loaded. Default: loaded here (an optional dependency). */
  runtime?: OnnxRuntime;
  /**
   * `minmax` (default): each activation's whole observed range. `percentile`: clipped to a
   * percentile of |value| (a second pass over the same batches, held in memory).
   */
  method?: CalibrationMethod;
  /** With `method: 'percentile'`: the percentile of |value| kept, in (0, 100]. Default 99.999. */
  percentile?: number;
}

/** Calibration methods of {@link quantizeOnnxCalibrated}. */
export const calibrationMethods = ['minmax', 'percentile'] as const;

/** One of {@link calibrationMethods}. */
export type CalibrationMethod = (typeof calibrationMethods)[number];

/** What {@link quantizeOnnxCalibrated} returns. */
export interface QuantizedOnnxCalibrated extends QuantizedOnnxStatic {
  /** Images the ranges were taken from. */
  calibrationImages: number;
}

/**
 * Static int8 quantization calibrated on real inputs, in three steps, like ONNX Runtime's
 * `quant_pre_process` + `quantize_static`: (1) ONNX Runtime's basic graph optimizations
 * (BatchNormalization and Pad folded into Conv, Identity removed; standard operators only), saved
 * as the float model to quantize; (2) that model run on every batch with the activations to
 * calibrate as extra outputs, keeping each one's min and max; (3) {@link quantizeOnnxStatic}.
 * The model's `metadata_props` are carried over. Deterministic for the same batches.
 */
export async function quantizeOnnxCalibrated(
  options: QuantizeOnnxCalibratedOptions,
): Promise<QuantizedOnnxCalibrated> {
  const ort = options.runtime ?? (await loadOnnxRuntime());
  const optimized = await basicOptimizations(ort, options.model);
  const calibration = buildCalibrationModel({ model: optimized });
  const method = options.method ?? 'minmax';
  if (!(calibrationMethods as readonly string[]).includes(method)) {
    throw new InvalidArgumentError({
      argument: 'method',
      value: method,
      expected: `must be one of: ${calibrationMethods.join(', ')}`,
    });
  }
  const observer = new ActivationRangeObserver();
  const session = await ort.InferenceSession.create(calibration.model, {
    graphOptimizationLevel: 'disabled',
  });
  let images = 0;
  let ranges: ReturnType<ActivationRangeObserver['result']>;
  try {
    const inputName = session.inputNames[0] as string;
    const wanted = calibration.tensors.filter((name) => !calibration.inputs.includes(name));
    const pass = async (
      batches: AsyncIterable<CalibrationBatch> | Iterable<CalibrationBatch>,
      observe: (name: string, values: Float32Array) => void,
    ) => {
      for await (const batch of batches) {
        const results = await session.run(
          { [inputName]: new ort.Tensor('float32', batch.data, [...batch.shape]) },
          wanted,
        );
        if (calibration.inputs.includes(inputName)) observe(inputName, batch.data);
        for (const name of wanted) observe(name, results[name]?.data as Float32Array);
      }
    };
    // Percentile needs each tensor's MinMax first (its histogram's extent): the batches are kept.
    const kept: CalibrationBatch[] = [];
    await pass(
      (async function* () {
        for await (const batch of options.batches) {
          if (method === 'percentile') kept.push(batch);
          images += batch.shape[0] ?? 0;
          yield batch;
        }
      })(),
      (name, values) => observer.observe(name, values),
    );
    ranges = observer.result();
    if (method === 'percentile' && images > 0) {
      const percentile = new PercentileRangeObserver(ranges);
      await pass(kept, (name, values) => percentile.observe(name, values));
      ranges = percentile.result(options.percentile ?? 99.999);
    }
  } finally {
    await session.release();
  }
  if (images === 0) {
    throw new InvalidArgumentError({
      argument: 'batches',
      value: 'no images',
      expected: 'static quantization needs at least one calibration image',
    });
  }
  const quantized = quantizeOnnxStatic({ model: optimized, ranges });
  return {
    ...quantized,
    model: withMetadataOf(quantized.model, options.model),
    calibrationImages: images,
  };
}

/** The model after ONNX Runtime's basic (standard-operator) graph optimizations. */
async function basicOptimizations(ort: OnnxRuntime, model: Uint8Array): Promise<Uint8Array> {
  const directory = await mkdtemp(join(tmpdir(), 'graft-quantize-'));
  try {
    const file = join(directory, 'optimized.onnx');
    const session = await ort.InferenceSession.create(model, {
      graphOptimizationLevel: 'basic',
      optimizedModelFilePath: file,
    });
    await session.release();
    return new Uint8Array(await readFile(file));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** `model` with `source`'s metadata_props, producer and doc string (ORT's rewrite drops some). */
function withMetadataOf(model: Uint8Array, source: Uint8Array): Uint8Array {
  const ModelProto = onnxMessageType('ModelProto');
  const target = ModelProto.toObject(ModelProto.decode(model), { longs: Number });
  const original = ModelProto.toObject(ModelProto.decode(source), { longs: Number });
  for (const key of ['metadataProps', 'producerName', 'producerVersion', 'docString']) {
    if (original[key] !== undefined) target[key] = original[key];
  }
  return ModelProto.encode(ModelProto.fromObject(target)).finish();
}
