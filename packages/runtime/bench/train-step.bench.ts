// Train-step throughput of a MobileNetV2 (alpha 1.0, 224x224, random weights) on wasm vs cpu:
// one optimizer step on a batch of 16 taken as 4 micro-batches of 4 with gradient accumulation.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { loadavg } from 'node:os';
import { type BenchRow, measure } from '@graft/bench-kit';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/index.js';
import { mobileNetV2 } from '../src/testing/index.js';

const batch = 16;
const microBatch = 4;
const size = 224;
const classes = 1000;

async function trainStepRow(backend: 'wasm' | 'cpu', runs: number): Promise<BenchRow> {
  const warmup = backend === 'cpu' ? Number(process.env.GRAFT_BENCH_CPU_WARMUP ?? 1) : 1;
  await initBackend({ prefer: backend });
  const model = mobileNetV2({ alpha: 1, inputSize: size, classes });
  const optimizer = tf.train.sgd(0.01);
  const images = tf.randomUniform([batch, size, size, 3], -1, 1);
  const labels = tf.oneHot(tf.range(0, batch, 1, 'int32'), classes);
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const step = async () => {
    let sums: tf.NamedTensorMap = {};
    for (let start = 0; start < batch; start += microBatch) {
      const { grads } = tf.tidy(() => {
        const x = tf.slice(images, [start, 0, 0, 0], [microBatch, size, size, 3]);
        const y = tf.slice(labels, [start, 0], [microBatch, classes]);
        return tf.variableGrads(() => {
          const probabilities = model.apply(x, { training: true }) as tf.Tensor;
          const logLikelihood = tf.sum(tf.mul(y, tf.log(tf.add(probabilities, 1e-7))), 1);
          return tf.neg(tf.mean(logLikelihood)) as tf.Scalar;
        }, variables);
      });
      const previous = sums;
      sums = {};
      for (const [name, gradient] of Object.entries(grads)) {
        const earlier = previous[name];
        sums[name] = earlier === undefined ? gradient : tf.add(earlier, gradient);
        if (earlier !== undefined) tf.dispose([earlier, gradient]);
      }
    }
    const scale = microBatch / batch;
    const averaged = tf.tidy(() =>
      Object.fromEntries(Object.entries(sums).map(([name, sum]) => [name, tf.mul(sum, scale)])),
    );
    optimizer.applyGradients(averaged);
    tf.dispose([Object.values(sums), Object.values(averaged)]);
    // Wait for the step to finish (wasm and cpu are synchronous, but read one value to be sure).
    await (variables[0] as tf.Variable).data();
  };
  const cpuBefore = process.cpuUsage();
  const row = await measure({
    suite: 'runtime',
    name: `MobileNetV2 1.0 ${size}x${size} train step, batch ${batch} as ${batch / microBatch}x${microBatch} micro-batches`,
    backend,
    items: batch,
    warmup,
    runs,
    run: step,
    notes: `${model.trainableWeights.length} trainable tensors, SGD, random weights`,
  });
  // The machine is shared: process CPU time per step is less sensitive to other load than wall time.
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSecondsPerStep = (cpu.user + cpu.system) / 1e6 / (runs + warmup);
  row.notes += `; ${cpuSecondsPerStep.toFixed(1)} CPU-s per step (${(batch / cpuSecondsPerStep).toFixed(2)} images per CPU-second); load average ${loadavg()[0]?.toFixed(1)}`;
  tf.dispose([images, labels]);
  optimizer.dispose();
  model.dispose();
  return row;
}

export default async function trainStepBenchmark(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  if (process.env.GRAFT_BENCH_SKIP_WASM !== '1') {
    rows.push(await trainStepRow('wasm', Number(process.env.GRAFT_BENCH_WASM_RUNS ?? 3)));
  }
  // The cpu backend takes minutes per step: one timed step after the warm-up.
  if (process.env.GRAFT_BENCH_SKIP_CPU !== '1') {
    rows.push(await trainStepRow('cpu', Number(process.env.GRAFT_BENCH_CPU_RUNS ?? 1)));
  }
  return rows;
}
