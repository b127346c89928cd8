// Experiment helper (not part of CI): linear heads on the cached tables, many settings, cpu.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeededRandom } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';

const dir = join('/tmp/graft-acc', process.argv[2] ?? 'mobilenet_v2_0.35_224-center-crop');
function load(name: string) {
  const meta = JSON.parse(readFileSync(join(dir, `${name}.labels.json`), 'utf8')) as {
    featureDim: number;
    labels: number[];
  };
  const buffer = readFileSync(join(dir, `${name}.f32`));
  return {
    x: new Float32Array(buffer.buffer, buffer.byteOffset, buffer.byteLength / 4),
    y: meta.labels,
    d: meta.featureDim,
  };
}
const train = load('train'),
  trainFlip = load('train-flip'),
  val = load('val'),
  valFlip = load('val-flip');
const d = train.d;
function run(o: {
  lr: number;
  epochs: number;
  wd: number;
  flipAug: boolean;
  seed: number;
  batch: number;
}) {
  const random = new SeededRandom(o.seed);
  const w = tf.variable(tf.randomNormal([d, 2], 0, Math.sqrt(1 / d), 'float32', o.seed));
  const b = tf.variable(tf.zeros([2]));
  const opt = tf.train.adam(o.lr);
  const perEpoch: number[] = [];
  const evalAcc = (tta: boolean) =>
    tf.tidy(() => {
      let p = tf.softmax(tf.add(tf.matMul(tf.tensor2d(val.x, [val.y.length, d]), w), b));
      if (tta)
        p = tf.add(
          p,
          tf.softmax(tf.add(tf.matMul(tf.tensor2d(valFlip.x, [val.y.length, d]), w), b)),
        );
      const pred = tf.argMax(p, 1).dataSync();
      let c = 0;
      pred.forEach((v, i) => {
        if (v === val.y[i]) c++;
      });
      return c / val.y.length;
    });
  for (let e = 0; e < o.epochs; e++) {
    const src = o.flipAug && e % 2 === 1 ? trainFlip : train;
    const order = random.permutation(train.y.length);
    for (let s = 0; s < order.length; s += o.batch) {
      const rows = order.slice(s, s + o.batch);
      const xs = new Float32Array(rows.length * d);
      const ys = new Float32Array(rows.length * 2);
      rows.forEach((r, i) => {
        xs.set(src.x.subarray(r * d, (r + 1) * d), i * d);
        ys[i * 2 + (src.y[r] as number)] = 1;
      });
      tf.tidy(() => {
        const X = tf.tensor2d(xs, [rows.length, d]);
        const Y = tf.tensor2d(ys, [rows.length, 2]);
        opt.minimize(
          () =>
            tf.add(
              tf.losses.softmaxCrossEntropy(Y, tf.add(tf.matMul(X, w), b)),
              tf.mul(o.wd, tf.sum(tf.square(w))),
            ) as tf.Scalar,
        );
      });
    }
    perEpoch.push(evalAcc(false));
  }
  const result = { last: evalAcc(false), tta: evalAcc(true), best: Math.max(...perEpoch) };
  tf.dispose([w, b]);
  opt.dispose();
  return result;
}
for (const lr of [1e-3, 3e-3])
  for (const epochs of [10, 20, 40])
    for (const wd of [0, 1e-4, 1e-3])
      for (const flipAug of [false, true]) {
        const rows = [0, 1, 2].map((seed) => run({ lr, epochs, wd, flipAug, seed, batch: 32 }));
        const f = (k: 'last' | 'tta' | 'best') => rows.map((r) => r[k].toFixed(3)).join('/');
        console.log(
          `lr ${lr} ep ${epochs} wd ${wd} flip ${flipAug}: last ${f('last')} tta ${f('tta')} best ${f('best')}`,
        );
      }
