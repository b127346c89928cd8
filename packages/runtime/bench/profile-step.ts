import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/index.js';
import { mobileNetV2 } from '../src/testing/index.js';

await initBackend({ prefer: 'wasm' });
const size = Number(process.env.SIZE ?? 224);
const model = mobileNetV2({ alpha: 1, inputSize: size, classes: 1000 });
const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
const x = tf.randomUniform([4, size, size, 3], -1, 1);
const y = tf.oneHot(tf.tensor1d([1, 2, 3, 4], 'int32'), 1000);
const step = () =>
  tf.tidy(() => {
    const { grads } = tf.variableGrads(() => {
      const p = model.apply(x, { training: true }) as tf.Tensor;
      return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.add(p, 1e-7))), 1))) as tf.Scalar;
    }, variables);
    return Object.values(grads)[0]!.dataSync()[0];
  });
step();
const info = await tf.profile(step);
const byName = new Map<string, [number, number]>();
let total = 0;
for (const kernel of info.kernels) {
  const time = Number(kernel.kernelTimeMs);
  const entry = byName.get(kernel.name) ?? [0, 0];
  byName.set(kernel.name, [entry[0] + time, entry[1] + 1]);
  total += time;
}
console.log('total kernel ms', total.toFixed(0));
for (const [name, [time, count]] of [...byName].sort((a, b) => b[1][0] - a[1][0]).slice(0, 25))
  console.log(name.padEnd(40), time.toFixed(0).padStart(7), count);
