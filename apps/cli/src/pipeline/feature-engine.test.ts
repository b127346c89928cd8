import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tinyBackbone } from '@graft/core/testing';
import { startSessionThread } from '@graft/onnx/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandOutput } from '../output.js';
import { startFeatureEngine } from './feature-engine.js';

const messages: string[] = [];
const output = {
  info: (text: string) => messages.push(text),
  verbose: (text: string) => messages.push(text),
} as unknown as CommandOutput;
let cache = '';
const previousCache = process.env.GRAFT_CACHE_DIR;

beforeAll(async () => {
  await tf.setBackend('cpu');
  cache = await mkdtemp(join(tmpdir(), 'graft-feature-engine-'));
  process.env.GRAFT_CACHE_DIR = cache;
});
afterAll(async () => {
  if (previousCache === undefined) delete process.env.GRAFT_CACHE_DIR;
  else process.env.GRAFT_CACHE_DIR = previousCache;
  await rm(cache, { recursive: true, force: true });
});

describe('startFeatureEngine with a session thread started ahead', () => {
  it('opens ONNX Runtime in it, and closes it when tfjs runs instead', async () => {
    const backbone = tinyBackbone({ seed: 3 });
    try {
      const ahead = startSessionThread();
      const engine = await startFeatureEngine({
        requested: 'auto',
        backbone,
        frozen: true,
        output,
        startTfjs: () => undefined,
        sessionThread: ahead,
      });
      expect(engine?.engine?.name).toBe('onnxruntime');
      expect(messages.at(-1)).toMatch(/feature engine: onnxruntime \(.*in a worker thread/);
      // Taken by the engine: not opened twice.
      await expect(ahead.open(new Uint8Array(1), {})).rejects.toThrow(/already opened/);
      await engine?.close();

      for (const [requested, frozen] of [
        ['tfjs', true],
        ['auto', false],
      ] as const) {
        const unused = startSessionThread();
        const tfjs = await startFeatureEngine({
          requested,
          backbone,
          frozen,
          output,
          startTfjs: () => undefined,
          sessionThread: unused,
        });
        expect(tfjs).toBeUndefined();
        await expect(unused.open(new Uint8Array(1), {})).rejects.toThrow(/opened or closed/);
      }
    } finally {
      backbone.dispose();
    }
  });
});
