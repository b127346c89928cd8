import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mobileNetV2WeightSources } from '../mobilenet-v2/mobilenet-v2-weights.js';
import { loadWeights, loadWeightsOverHttp } from './load-weights.js';

const sharedDir = process.env.GRAFT_SHARED_DIR ?? '';
const mirrorDir = process.env.GRAFT_MIRROR ?? join(sharedDir, 'weights');
const [kerasNoTop, , teachableMachine] = mobileNetV2WeightSources(0.35);

/** A fetch that serves the canonical URLs from the mirror and records what was asked. */
function mirrorFetch(requested: string[]): typeof fetch {
  return (async (input: string | URL | Request) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    requested.push(url);
    const path = url
      .replace('https://storage.googleapis.com/teachable-machine-models/', 'teachable-machine/')
      .replace(
        'https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/',
        'keras/',
      );
    try {
      const body = await readFile(join(mirrorDir, path));
      return new Response(body, {
        status: 200,
        headers: { 'content-length': String(body.length) },
      });
    } catch {
      return new Response('not found', { status: 404, statusText: 'Not Found' });
    }
  }) as typeof fetch;
}

describe('loadWeights', () => {
  let cacheDir: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    cacheDir = await mkdtemp(join(tmpdir(), 'graft-backbones-download-'));
  });
  afterAll(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('downloads model.json and its shards into the cache, then finds them there', async () => {
    if (teachableMachine === undefined) throw new Error('0.35 has a Teachable Machine source');
    const requested: string[] = [];
    const progress: number[] = [];
    const options = {
      source: teachableMachine,
      cacheDir,
      mirrorDirs: [],
      offline: false,
      fetch: mirrorFetch(requested),
      onProgress: (update: { receivedBytes: number }) => progress.push(update.receivedBytes),
    };
    const first = await loadWeights(options);
    expect(first.origin).toBe('download');
    expect(requested).toEqual([
      teachableMachine.url,
      teachableMachine.url.replace('model.json', 'group1-shard1of1.bin'),
    ]);
    expect(progress.at(-1)).toBe(1_640_832);
    const second = await loadWeights(options);
    expect(second.origin).toBe('cache');
    expect(requested).toHaveLength(2);
    expect(second.sha256).toBe(first.sha256);
    expect(first.tensors.size).toBe(260);
    tf.dispose([...first.tensors.values(), ...second.tensors.values()]);
  });

  it('over HTTP (the browser path) reads both formats to the same tensors', async () => {
    if (kerasNoTop === undefined || teachableMachine === undefined) throw new Error('sources');
    const requested: string[] = [];
    const fromH5 = await loadWeightsOverHttp({ source: kerasNoTop, fetch: mirrorFetch(requested) });
    const fromTfjs = await loadWeightsOverHttp({
      source: teachableMachine,
      fetch: mirrorFetch(requested),
    });
    expect(fromH5.origin).toBe('http');
    expect(fromH5.sha256).toBe('27208485b20dc5323acde9998159a25abfe52f06a5da10128b2cbd2c063b1236');
    const kernel = fromH5.tensors.get('block_5_project/kernel') as tf.Tensor;
    const same = fromTfjs.tensors.get('block_5_project/kernel') as tf.Tensor;
    expect(Array.from(kernel.dataSync())).toEqual(Array.from(same.dataSync()));
    await expect(
      loadWeightsOverHttp({
        source: { ...kerasNoTop, url: `${kerasNoTop.url}.missing` },
        fetch: mirrorFetch(requested),
      }),
    ).rejects.toThrow(/HTTP 404/);
    tf.dispose([...fromH5.tensors.values(), ...fromTfjs.tensors.values()]);
  });
});
