import { disposeBatch, normalizeImages, type Preprocessing } from '@graft/core';
import { loadOnnxRuntime, type OnnxRuntime } from '@graft/onnx/node';
import type * as tf from '@tensorflow/tfjs-core';
import { openEvaluationImages } from './open-evaluation-images.js';

/**
 * `--quantize` values with `--format onnx`: `int8`, static quantization calibrated on training
 * images (uint8 activations and int8 weights, ONNX Runtime's integer kernels: smaller and
 * faster); `int8-weights`, int8 weights only behind DequantizeLinear (smaller, float32 speed at
 * best, no images needed).
 */
export const onnxQuantizations = ['int8', 'int8-weights'] as const;

/** One of {@link onnxQuantizations}. */
export type OnnxQuantization = (typeof onnxQuantizations)[number];

/** What `graft export --format onnx --quantize int8` measured. */
export interface OnnxQuantizationReport {
  /** `int8`: calibrated QDQ model; `int8-weights`: int8 weights behind DequantizeLinear only. */
  quantization: OnnxQuantization;
  /** model.onnx bytes in float32. */
  float32Bytes: number;
  /** model.onnx bytes written. */
  quantizedBytes: number;
  /** Weight tensors stored as int8. */
  quantizedTensors: number;
  /** `int8`: activations behind QuantizeLinear → DequantizeLinear (uint8). */
  quantizedActivations?: number;
  /** `int8`: the images the activation ranges were taken from. */
  calibration?: {
    /** The split manifest or folder they were drawn from. */
    source: string;
    /** Images used. */
    images: number;
    /** Images the source holds. */
    available: number;
    /** `--calibration-seed`. */
    seed: number;
    /** `--calibration-method`: `minmax` or `percentile`. */
    method: string;
  };
  /** On `--eval-data`'s images, both models run by onnxruntime-node, when given. */
  evaluation?: {
    /** Folder (its `test` or `val` split, or its class folders). */
    data: string;
    /** Images classified. */
    images: number;
    /** Top-1 accuracy of the float32 ONNX model. */
    float32Accuracy: number;
    /** Top-1 accuracy of the int8 ONNX model. */
    quantizedAccuracy: number;
    /** Fraction of images whose top-1 label is the same. */
    agreement: number;
    /** Largest change of any probability. */
    maxProbabilityChange: number;
    /** Process CPU milliseconds per image, float32 model (one intra-op thread, batches of 16). */
    float32CpuMillisecondsPerImage: number;
    /** The same for the int8 model, measured in alternation with float32. */
    quantizedCpuMillisecondsPerImage: number;
    /**
     * `int8-weights`: the model in a session with `session.disable_quant_qdq=1`, which folds the
     * DequantizeLinear nodes into float32 weights at load (the default session runs them on
     * every call, since they would otherwise be fused into integer kernels).
     */
    foldedCpuMillisecondsPerImage?: number;
  };
}

type Session = Awaited<ReturnType<OnnxRuntime['InferenceSession']['create']>>;

/**
 * Runs the float32 and int8 ONNX models side by side with onnxruntime-node (an optional
 * dependency, loaded here) on `evalData`'s images, batch by batch in alternation so both see the
 * same machine load, and compares their answers and CPU time.
 */
export async function measureOnnxQuantization(options: {
  /** The float32 model.onnx bytes. */
  float32: Uint8Array;
  /** The int8 model.onnx bytes. */
  quantized: Uint8Array;
  /** Which quantization `quantized` is. */
  quantization: OnnxQuantization;
  /** Weight tensors stored as int8. */
  quantizedTensors: number;
  /** `int8`: quantized activations. */
  quantizedActivations?: number;
  /** `int8`: where the calibration images came from. */
  calibration?: OnnxQuantizationReport['calibration'];
  /** The model's labels (column order). */
  labels: readonly string[];
  /** The model's preprocessing, to feed the images as it was trained. */
  preprocessing: Preprocessing;
  /** Image folder to measure on, or undefined for sizes only. */
  evalData?: string;
}): Promise<OnnxQuantizationReport> {
  const report: OnnxQuantizationReport = {
    quantization: options.quantization,
    float32Bytes: options.float32.byteLength,
    quantizedBytes: options.quantized.byteLength,
    quantizedTensors: options.quantizedTensors,
    ...(options.quantizedActivations === undefined
      ? {}
      : { quantizedActivations: options.quantizedActivations }),
    ...(options.calibration === undefined ? {} : { calibration: options.calibration }),
  };
  const { evalData, labels } = options;
  if (evalData === undefined) return report;
  const data = await openEvaluationImages({
    evalData,
    labels,
    preprocessing: options.preprocessing,
  });
  const ort = await loadOnnxRuntime();
  // One intra-op thread: CPU time per image then compares the kernels, not thread scheduling.
  const sessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1 };
  const reference = await ort.InferenceSession.create(options.float32, sessionOptions);
  const candidate = await ort.InferenceSession.create(options.quantized, sessionOptions);
  // Weight-only QDQ is also timed with its DequantizeLinear nodes folded at load; a calibrated
  // model has integer kernels to run, so folding them would only measure float32 again.
  const folded =
    options.quantization === 'int8-weights'
      ? await ort.InferenceSession.create(options.quantized, {
          ...sessionOptions,
          extra: { session: { disable_quant_qdq: '1' } },
        })
      : undefined;
  try {
    const classes = labels.length;
    let images = 0;
    let referenceCorrect = 0;
    let candidateCorrect = 0;
    let agree = 0;
    let maxProbabilityChange = 0;
    const cpu = { reference: 0, candidate: 0, folded: 0 };
    let first = true;
    for await (const batch of data.batches({ batchSize: 16 })) {
      try {
        // The dataset yields [0, 255] pixels at the input size; the ONNX model takes them
        // normalised, as Classifier.predictProbabilities feeds its model.
        const normalized = normalizeImages(batch.images as tf.Tensor4D, options.preprocessing);
        const pixels = (await normalized.data()) as Float32Array;
        normalized.dispose();
        const targets = (await batch.labels.data()) as Int32Array;
        const tensor = new ort.Tensor('float32', pixels, batch.images.shape);
        // The first batch warms both sessions up (memory arenas) and is not timed.
        if (first) {
          await runFirstOutput(reference, tensor);
          await runFirstOutput(candidate, tensor);
          if (folded !== undefined) await runFirstOutput(folded, tensor);
          first = false;
        }
        const timed = async (session: Session) => {
          const start = process.cpuUsage();
          const output = await runFirstOutput(session, tensor);
          const used = process.cpuUsage(start);
          return { output, milliseconds: (used.user + used.system) / 1000 };
        };
        const referenceRun = await timed(reference);
        const candidateRun = await timed(candidate);
        cpu.reference += referenceRun.milliseconds;
        cpu.candidate += candidateRun.milliseconds;
        if (folded !== undefined) cpu.folded += (await timed(folded)).milliseconds;
        targets.forEach((target, row) => {
          const referenceRow = referenceRun.output.subarray(row * classes, (row + 1) * classes);
          const candidateRow = candidateRun.output.subarray(row * classes, (row + 1) * classes);
          const referenceTop = argMax(referenceRow);
          const candidateTop = argMax(candidateRow);
          if (referenceTop === target) referenceCorrect++;
          if (candidateTop === target) candidateCorrect++;
          if (referenceTop === candidateTop) agree++;
          referenceRow.forEach((value, index) => {
            maxProbabilityChange = Math.max(
              maxProbabilityChange,
              Math.abs(value - (candidateRow[index] as number)),
            );
          });
        });
        images += targets.length;
      } finally {
        disposeBatch(batch);
      }
    }
    report.evaluation = {
      data: evalData,
      images,
      float32Accuracy: referenceCorrect / images,
      quantizedAccuracy: candidateCorrect / images,
      agreement: agree / images,
      maxProbabilityChange,
      float32CpuMillisecondsPerImage: cpu.reference / images,
      quantizedCpuMillisecondsPerImage: cpu.candidate / images,
      ...(folded === undefined ? {} : { foldedCpuMillisecondsPerImage: cpu.folded / images }),
    };
    return report;
  } finally {
    await reference.release();
    await candidate.release();
    await folded?.release();
  }
}

/** The lines `graft export --format onnx --quantize int8` prints. */
export function formatOnnxQuantizationReport(report: OnnxQuantizationReport): string[] {
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
  const size = `${mib(report.quantizedBytes)} (float32 ${mib(report.float32Bytes)}, ${((100 * report.quantizedBytes) / report.float32Bytes).toFixed(0)}%)`;
  const calibration = report.calibration;
  const lines =
    report.quantization === 'int8-weights'
      ? [
          `  ${report.quantizedTensors} Conv/Gemm weights stored int8 (per channel, DequantizeLinear): ${size}; activations stay float32`,
        ]
      : [
          `  static int8 (QDQ, ONNX Runtime's integer kernels): ${report.quantizedTensors} Conv/Gemm weights int8 per channel, ${report.quantizedActivations ?? 0} activations uint8: ${size}`,
          ...(calibration === undefined
            ? []
            : [
                `  activation ranges (${calibration.method === 'percentile' ? '99.999th percentile of |value|' : 'min/max'}) from ${calibration.images} of ${calibration.available} training images (seed ${calibration.seed}) in ${calibration.source}`,
              ]),
        ];
  const evaluation = report.evaluation;
  if (evaluation === undefined) {
    lines.push('  accuracy and speed change: not measured (pass --eval-data <image folder>)');
    return lines;
  }
  const percent = (value: number) => `${(100 * value).toFixed(2)}%`;
  const change = evaluation.quantizedAccuracy - evaluation.float32Accuracy;
  lines.push(
    `  onnxruntime-node on ${evaluation.images} images of ${evaluation.data}: accuracy float32 ${percent(evaluation.float32Accuracy)} → int8 ${percent(evaluation.quantizedAccuracy)} (${change >= 0 ? '+' : ''}${(100 * change).toFixed(2)} points); same top-1 label on ${percent(evaluation.agreement)}; largest probability change ${evaluation.maxProbabilityChange.toFixed(4)}`,
    evaluation.foldedCpuMillisecondsPerImage === undefined
      ? `  CPU time per image (1 thread, alternating): float32 ${evaluation.float32CpuMillisecondsPerImage.toFixed(1)} ms, int8 ${evaluation.quantizedCpuMillisecondsPerImage.toFixed(1)} ms (${(evaluation.float32CpuMillisecondsPerImage / evaluation.quantizedCpuMillisecondsPerImage).toFixed(2)}x)`
      : `  CPU time per image (1 thread): float32 ${evaluation.float32CpuMillisecondsPerImage.toFixed(1)} ms, int8 ${evaluation.quantizedCpuMillisecondsPerImage.toFixed(1)} ms (dequantized on every run), int8 with session option session.disable_quant_qdq=1 ${evaluation.foldedCpuMillisecondsPerImage.toFixed(1)} ms (dequantized once, at load)`,
  );
  return lines;
}

async function runFirstOutput(session: Session, input: unknown): Promise<Float32Array> {
  const name = session.inputNames[0] as string;
  const results = await session.run({ [name]: input } as Parameters<Session['run']>[0]);
  return results[session.outputNames[0] as string]?.data as Float32Array;
}

function argMax(values: Float32Array): number {
  let best = 0;
  for (let index = 1; index < values.length; index++) {
    if ((values[index] as number) > (values[best] as number)) best = index;
  }
  return best;
}
