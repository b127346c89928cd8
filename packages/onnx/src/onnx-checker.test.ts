import '@tensorflow/tfjs-backend-cpu';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertToOnnx } from './convert-to-onnx.js';
import { compareWithOnnxRuntime } from './testing/compare-with-onnx-runtime.js';

// The official ONNX checker (Python `onnx`, Debian's python3-onnx) on the graphs the converter
// writes: full check plus strict shape inference, independent of ONNX Runtime's leniency.
// Required in CI (which installs python3-onnx); skipped with a message elsewhere when missing.
const python = process.env.GRAFT_PYTHON ?? '/usr/bin/python3';
const hasOnnx = (() => {
  try {
    execFileSync(python, ['-c', 'import onnx'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const required = process.env.CI === 'true';
if (!hasOnnx && !required) {
  console.warn(
    `Skipping the ONNX checker tests: ${python} cannot import onnx (apt-get install python3-onnx).`,
  );
}

const checkScript = `
import json, sys, onnx
model = onnx.load(sys.argv[1])
onnx.checker.check_model(model, full_check=True)
inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
dims = lambda value: [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]
print(json.dumps({"onnx": onnx.__version__, "outputs": [dims(o) for o in inferred.graph.output]}))
`;

/** Every built-in converter at least once (a graph, not a trained network). */
function everyLayer(): tfl.LayersModel {
  let seed = 1;
  const init = () => tfl.initializers.glorotUniform({ seed: seed++ });
  const input = tfl.input({ shape: [17, 15, 3], name: 'pixels' });
  const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) =>
    layer.apply(x) as tfl.SymbolicTensor;
  let x = apply(
    tfl.layers.zeroPadding2d({
      padding: [
        [0, 1],
        [1, 0],
      ],
    }),
    input,
  );
  x = apply(
    tfl.layers.conv2d({
      filters: 8,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      kernelInitializer: init(),
    }),
    x,
  );
  x = apply(tfl.layers.batchNormalization({}), x);
  x = apply(tfl.layers.reLU({ maxValue: 6 }), x);
  const branch = apply(
    tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: init() }),
    x,
  );
  x = apply(tfl.layers.add({}), [x, branch]);
  x = apply(tfl.layers.multiply({}), [
    x,
    apply(tfl.layers.activation({ activation: 'sigmoid' }), x),
  ]);
  x = apply(tfl.layers.concatenate({}), [x, apply(tfl.layers.maximum({}), [x, branch])]);
  x = apply(tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), x);
  x = apply(tfl.layers.averagePooling2d({ poolSize: 2, padding: 'valid' }), x);
  x = apply(tfl.layers.leakyReLU({}), x);
  const pooled = apply(tfl.layers.globalMaxPooling2d({}), x);
  x = apply(tfl.layers.flatten({}), x);
  x = apply(tfl.layers.dense({ units: 16, activation: 'gelu', kernelInitializer: init() }), x);
  x = apply(tfl.layers.reshape({ targetShape: [2, 2, 4] }), x);
  x = apply(tfl.layers.globalAveragePooling2d({}), x);
  x = apply(tfl.layers.concatenate({}), [x, pooled]);
  x = apply(tfl.layers.dropout({ rate: 0.5 }), x);
  x = apply(tfl.layers.dense({ units: 5, activation: 'softmax', kernelInitializer: init() }), x);
  return tfl.model({ inputs: input, outputs: x });
}

describe.runIf(hasOnnx || required)('the official ONNX checker', () => {
  let directory: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    directory = mkdtempSync(join(tmpdir(), 'graft-onnx-'));
  });
  afterAll(() => {
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  });

  it('accepts a graph with every built-in converter (full check, strict shape inference)', () => {
    const model = everyLayer();
    const file = join(directory, 'every-layer.onnx');
    // Debian's onnx 1.12 knows opsets up to 17, the default.
    writeFileSync(file, convertToOnnx({ model }));
    const result = JSON.parse(
      execFileSync(python, ['-c', checkScript, file], { encoding: 'utf8' }),
    ) as {
      outputs: Array<Array<string | number>>;
    };
    expect(result.outputs).toEqual([['batch', 5]]);
    model.dispose();
  });
});

describe('every built-in converter in one graph', () => {
  it('agrees with tfjs in ONNX Runtime at batch 3', async () => {
    await tf.setBackend('cpu');
    const model = everyLayer();
    const input = tf.randomUniform([3, 17, 15, 3], -1, 1, 'float32', 11);
    const agreement = await compareWithOnnxRuntime({
      model,
      bytes: convertToOnnx({ model }),
      input,
    });
    expect(agreement.onnxShape).toEqual([3, 5]);
    expect(agreement.maxAbsolute).toBeLessThan(1e-6);
    input.dispose();
    model.dispose();
  });
});
