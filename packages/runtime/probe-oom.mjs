import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm');
const t0 = Date.now();
const keep = [];
try {
  for (let i = 0; i < 6; i++) { keep.push(tf.zeros([256, 1024, 1024])); console.log('ok', i, process.memoryUsage().rss / 2**20 | 0); }
} catch (e) {
  console.log('caught', e?.constructor?.name, JSON.stringify(String(e?.message ?? e)).slice(0, 300));
}
console.log('ms', Date.now() - t0, 'rss MiB', process.memoryUsage().rss / 2**20 | 0);
tf.dispose(keep);
try { const y = tf.add(tf.ones([4]), 1); console.log('after', await y.data()); } catch (e) { console.log('after failed', String(e).slice(0,200)); }
