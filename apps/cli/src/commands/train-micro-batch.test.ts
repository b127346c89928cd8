import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess as run } from '../testing/run-in-process.js';
import {
  registerTestBackboneIfAsked,
  testBackboneName,
  testBackboneVariable,
} from '../testing/test-backbone.js';
import { writeColourImages } from '../testing/write-test-images.js';

let directory: string;
let data: string;

beforeAll(async () => {
  process.env[testBackboneVariable] = '1';
  process.env.GRAFT_OFFLINE = '1';
  await registerTestBackboneIfAsked();
  directory = await mkdtemp(join(tmpdir(), 'graft-micro-batch-'));
  data = join(directory, 'data');
  process.env.GRAFT_CACHE_DIR = join(directory, 'cache');
  await writeColourImages(data, { train: 4, val: 2 });
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

const fineTune = (out: string, ...extra: string[]) =>
  run(
    'train',
    data,
    '--backbone',
    testBackboneName,
    '--weights',
    'none',
    '--mode',
    'fine-tune',
    '--epochs',
    '1',
    '--batch-size',
    '8',
    '--out',
    join(directory, out),
    ...extra,
  );

describe('graft train --mode fine-tune: the micro-batch', () => {
  it('on tfjs, prints the micro-batch chosen from the memory estimate, and why', async () => {
    const result = await fineTune('estimated', '--engine', 'tfjs');
    expect(result.code, result.stderr).toBe(exitCodes.success);
    expect(`${result.stdout}${result.stderr}`).toMatch(
      /micro-batch 8 of 8: estimated \d+ MiB per step \(.* per image for what is trainable \+ .* weights and optimizer state\), within 60 % of the 4 GiB wasm heap/,
    );
  });

  it('on ONNX Runtime (the default engine), takes one micro-batch per worker', async () => {
    const result = await fineTune('onnx');
    expect(result.code, result.stderr).toBe(exitCodes.success);
    const output = `${result.stdout}${result.stderr}`;
    expect(output).toMatch(
      /fine-tuning engine: onnxruntime \(onnxruntime-node [\d.]+, cpu, \d+ workers? × \d+ threads?\)/,
    );
    expect(output).toMatch(
      /micro-batch \d of 8: one per ONNX Runtime worker \(\d, in parallel; native memory\)/,
    );
  });

  it('takes --micro-batch over the estimate', async () => {
    const result = await fineTune('requested', '--micro-batch', '3');
    expect(result.code, result.stderr).toBe(exitCodes.success);
    expect(`${result.stdout}${result.stderr}`).toMatch(
      /micro-batch 3 of 8: as requested, estimated \d+ MiB per step\n/,
    );
  });
});
