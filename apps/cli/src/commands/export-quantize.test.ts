import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess } from '../testing/run-in-process.js';
import { useTinyProject } from '../testing/tiny-project.js';
import { trainTinyRun } from '../testing/train-tiny-run.js';

// `graft export --quantize` on a tiny run; the exports are read by plain tfjs over HTTP, as a
// web page (or Teachable Machine's loader, which calls tf.loadLayersModel on a URL) reads them.
const project = useTinyProject({ name: 'export-quantize', images: { train: 4, val: 3 } });
let server: Server;
let base = '';
const outputs: Record<string, string> = {};

beforeAll(async () => {
  const { out: run } = await trainTinyRun(project(), 'run');
  for (const quantize of ['none', 'float16', 'uint8']) {
    const out = join(project(), `export-${quantize}`);
    const flags =
      quantize === 'none' ? [] : ['--quantize', quantize, '--eval-data', join(project(), 'data')];
    const result = await runInProcess('export', run, '--out', out, ...flags);
    expect(result.code, result.stderr).toBe(exitCodes.success);
    outputs[quantize] = result.stdout;
  }
  server = createServer((request, response) => {
    readFile(join(project(), decodeURIComponent(request.url ?? '')))
      .then((bytes) => response.end(bytes))
      .catch(() => response.writeHead(404).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(() => new Promise<void>((resolve) => server?.close(() => resolve())));

describe('graft export --quantize', () => {
  it('writes weights plain tf.loadLayersModel reads, within the stated tolerance of float32', async () => {
    const input = tf.randomUniform([6, 16, 16, 3], -1, 1, 'float32', 7);
    const probabilities: Record<string, Float32Array> = {};
    for (const quantize of ['none', 'float16', 'uint8']) {
      const model = await tfl.loadLayersModel(`${base}/export-${quantize}/model.json`);
      const output = model.predict(input) as tf.Tensor;
      probabilities[quantize] = (await output.data()) as Float32Array;
      output.dispose();
      model.dispose();
    }
    input.dispose();
    const maxChange = (values: Float32Array) =>
      Math.max(
        ...values.map((value, index) => Math.abs(value - (probabilities.none?.[index] as number))),
      );
    // float16 keeps 11 significant bits; uint8 256 levels per tensor.
    expect(maxChange(probabilities.float16 as Float32Array)).toBeLessThan(2e-3);
    expect(maxChange(probabilities.uint8 as Float32Array)).toBeLessThan(0.05);
    expect(maxChange(probabilities.uint8 as Float32Array)).toBeGreaterThan(0);
  });

  it('shrinks weights.bin to about a half and a quarter, and prints size and accuracy change', async () => {
    const size = async (quantize: string) =>
      (await stat(join(project(), `export-${quantize}`, 'weights.bin'))).size;
    const float32 = await size('none');
    expect((await size('float16')) / float32).toBeCloseTo(0.5, 1);
    expect((await size('uint8')) / float32).toBeLessThan(0.3);
    expect(outputs.uint8).toMatch(/weights quantized to uint8: .* MiB \(float32 .* MiB, 2\d%\)/);
    expect(outputs.uint8).toMatch(/accuracy on 9 images of .*: float32 .*% → uint8 .*% \([+-]\d/);
    expect(outputs.none).not.toMatch(/quantized/);
  });

  it('refuses an unknown dtype, naming the choices', async () => {
    const run = join(project(), 'run');
    const unknown = await runInProcess('export', run, '--quantize', 'int4');
    expect(unknown.stderr).toMatch(/--quantize.*float16.*uint8/);
  });
});
