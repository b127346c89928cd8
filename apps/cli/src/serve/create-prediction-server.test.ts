import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodePixels } from '@graft/datasets/node';
import type { ImageClassifier } from '@graft/predictor';
import { loadClassifier } from '@graft/predictor/node';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOversizedImages } from '../testing/oversized-images.js';
import { useTinyProject } from '../testing/tiny-project.js';
import { trainTinyRun } from '../testing/train-tiny-run.js';
import {
  createPredictionServer,
  type PredictionServerOptions,
} from './create-prediction-server.js';

const project = useTinyProject({ name: 'serve', images: { train: 4, val: 2 } });
/** A predict response body (or an error body). */
type Answer = { predictions: { image: string; top: unknown[] }[] };

const token = 'a-test-token-of-32-characters-xx';
let classifier: ImageClassifier;
let images: { name: string; bytes: Buffer }[];
let expected: Map<string, { label: string; probability: number }[]>;

function server(overrides: Partial<PredictionServerOptions> = {}) {
  return createPredictionServer({
    classifier,
    maxBatch: 4,
    maxWaitMs: 2,
    maxQueue: 64,
    bodyLimit: 64 * 1024,
    maxImages: 4,
    timeoutMs: 30_000,
    defaultTop: 2,
    ...overrides,
  });
}

function multipart(files: { name: string; bytes: Uint8Array }[]): { body: Buffer; type: string } {
  const boundary = 'graft-test-boundary';
  const parts = files.map(({ name, bytes }) =>
    Buffer.concat([
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="images"; filename="${name}"\r\ncontent-type: application/octet-stream\r\n\r\n`,
      ),
      Buffer.from(bytes),
      Buffer.from('\r\n'),
    ]),
  );
  return {
    body: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]),
    type: `multipart/form-data; boundary=${boundary}`,
  };
}

beforeAll(async () => {
  const { out } = await trainTinyRun(project(), 'run');
  classifier = await loadClassifier(join(out, 'model'), { maximumPixels: 1_000_000 });
  const valRed = join(project(), 'data', 'val', 'red');
  const valBlue = join(project(), 'data', 'val', 'blue');
  const bmp = await readFile(join(valRed, (await readdir(valRed))[0] as string));
  // A JPEG and a PNG too, larger than the input: decoded and resized by the stored policy.
  const blue = await decodePixels(
    await readFile(join(valBlue, (await readdir(valBlue))[0] as string)),
    'blue.bmp',
  );
  const source = sharp(blue.data, { raw: { width: blue.width, height: blue.height, channels: 3 } });
  const jpeg = await source.clone().resize(40, 30).jpeg().toBuffer();
  const png = await source.clone().resize(20, 24).png().toBuffer();
  images = [
    { name: 'red.bmp', bytes: bmp },
    { name: 'blue.jpg', bytes: jpeg },
    { name: 'blue.png', bytes: png },
  ];
  expected = new Map();
  for (const image of images) {
    const top = await classifier.classify(image.bytes, { topK: 2 });
    expected.set(
      image.name,
      top.map(({ label, probability }) => ({ label, probability })),
    );
  }
}, 120_000);

afterAll(() => classifier?.dispose());

describe('prediction server (Fastify inject)', () => {
  it('is healthy at once and ready after warm-up; describes its model', async () => {
    const { app, warmUp } = server();
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(503);
    await warmUp();
    expect((await app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready' });
    const model = (await app.inject({ url: '/v1/model' })).json();
    expect(model.labels).toEqual(['blue', 'green', 'red']);
    expect(model.inputSize).toEqual([16, 16]);
    expect(model.preprocessing.resize.mode).toBeDefined();
    await app.close();
  });

  it('answers raw, multipart and base64 JSON bodies with what classify() gives', async () => {
    const { app, warmUp } = server();
    await warmUp();
    const [bmp, jpeg, png] = images as [(typeof images)[0], (typeof images)[0], (typeof images)[0]];
    const raw = await app.inject({
      method: 'POST',
      url: '/v1/predict',
      headers: { 'content-type': 'image/jpeg' },
      payload: jpeg.bytes,
    });
    expect(raw.statusCode, raw.body).toBe(200);
    expect(raw.json().predictions).toEqual([{ image: 'image', top: expected.get('blue.jpg') }]);

    const form = multipart(images);
    const several = await app.inject({
      method: 'POST',
      url: '/v1/predict',
      headers: { 'content-type': form.type },
      payload: form.body,
    });
    expect(several.statusCode, several.body).toBe(200);
    expect(several.json().predictions).toEqual(
      images.map((image) => ({ image: image.name, top: expected.get(image.name) })),
    );

    const json = await app.inject({
      method: 'POST',
      url: '/v1/predict?top=1',
      payload: {
        images: [
          bmp.bytes.toString('base64'),
          `data:image/png;base64,${png.bytes.toString('base64')}`,
        ],
      },
    });
    expect(json.statusCode, json.body).toBe(200);
    expect(json.json().predictions).toEqual([
      { image: 'images[0]', top: expected.get('red.bmp')?.slice(0, 1) },
      { image: 'images[1]', top: expected.get('blue.png')?.slice(0, 1) },
    ]);
    await app.close();
  });

  it('refuses hostile and malformed requests with a 4xx naming the problem, between good ones', async () => {
    const { app, warmUp } = server({ token });
    await warmUp();
    const [, jpeg] = images as [(typeof images)[0], (typeof images)[0]];
    const folder = project();
    const [hugeBmp] = await writeOversizedImages(folder);
    const authorization = `Bearer ${token}`;
    const post = (type: string | undefined, payload: Buffer | string, headers = {}) =>
      app.inject({
        method: 'POST',
        url: '/v1/predict',
        headers: { authorization, ...(type ? { 'content-type': type } : {}), ...headers },
        payload,
      });
    const good = async () => {
      const response = await post('image/jpeg', jpeg.bytes);
      expect(response.statusCode).toBe(200);
      expect(response.json().predictions[0].top).toEqual(expected.get('blue.jpg'));
    };
    const cases: [
      string,
      () => Promise<{
        statusCode: number;
        json(): Answer & { error: { code: string; message: string } };
      }>,
      number,
      string,
      RegExp,
    ][] = [
      [
        'non-image bytes',
        () => post('image/png', Buffer.from('hello, not an image')),
        422,
        'BAD_IMAGE',
        /image/,
      ],
      [
        'truncated JPEG',
        () => post('image/jpeg', jpeg.bytes.subarray(0, jpeg.bytes.length >> 1)),
        422,
        'BAD_IMAGE',
        /image/,
      ],
      [
        '100000x100000 header',
        async () => post('image/bmp', await readFile(hugeBmp as string)),
        413,
        'IMAGE_TOO_LARGE',
        /100000x100000/,
      ],
      [
        'body over the limit',
        () => post('image/jpeg', Buffer.alloc(65 * 1024, 1)),
        413,
        'BODY_TOO_LARGE',
        /65536 bytes/,
      ],
      [
        'wrong content type',
        () => post('text/plain', 'hello'),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        /text\/plain/,
      ],
      [
        'empty body',
        () => post('image/jpeg', Buffer.alloc(0)),
        400,
        'EMPTY_BODY',
        /empty|no image/,
      ],
      [
        'bad base64',
        () => post('application/json', JSON.stringify({ images: ['%%%'] })),
        400,
        'INVALID_BASE64',
        /images\[0\]/,
      ],
      [
        'too many images',
        () => post('application/json', JSON.stringify({ images: Array(5).fill('AAAA') })),
        413,
        'TOO_MANY_IMAGES',
        /at most 4/,
      ],
      [
        'bad top',
        () =>
          app.inject({
            method: 'POST',
            url: '/v1/predict?top=0',
            headers: { authorization, 'content-type': 'image/jpeg' },
            payload: jpeg.bytes,
          }),
        400,
        'INVALID_ARGUMENT',
        /top/,
      ],
      [
        'wrong token',
        () => post('image/jpeg', jpeg.bytes, { authorization: 'Bearer nope' }),
        401,
        'UNAUTHORIZED',
        /token/,
      ],
      [
        'no token',
        () =>
          app.inject({
            method: 'POST',
            url: '/v1/predict',
            headers: { 'content-type': 'image/jpeg' },
            payload: jpeg.bytes,
          }),
        401,
        'UNAUTHORIZED',
        /Bearer/,
      ],
    ];
    await good();
    for (const [what, send, status, code, message] of cases) {
      const response = await send();
      expect(response.statusCode, what).toBe(status);
      expect(response.json().error.code, what).toBe(code);
      expect(response.json().error.message, what).toMatch(message);
      await good();
    }
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    const metrics = await app.inject({ url: '/metrics', headers: { authorization } });
    expect(metrics.body).toMatch(/graft_errors_total\{kind="BAD_IMAGE"\} 2/);
    expect(metrics.body).toMatch(/graft_requests_total\{route="\/v1\/predict",status="200"\} 12/);
    expect(metrics.body).toMatch(/graft_batch_size_bucket/);
    expect(metrics.body).toMatch(/graft_queue_depth 0/);
    await app.close();
  });

  it('answers 503 with Retry-After when the queue cannot take a request', async () => {
    const { app, warmUp } = server({ maxQueue: 1 });
    await warmUp();
    const form = multipart(images.slice(0, 2));
    const response = await app.inject({
      method: 'POST',
      url: '/v1/predict',
      headers: { 'content-type': form.type },
      payload: form.body,
    });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.json().error.code).toBe('QUEUE_FULL');
    await app.close();
  });

  it('batches concurrent requests, answers each in flight when closed, and leaks no tensor', async () => {
    const instance = server({ maxBatch: 8, maxWaitMs: 200 });
    await instance.warmUp();
    let entered = 0;
    let allEntered: () => void = () => {};
    const everyoneIn = new Promise<void>((resolve) => {
      allEntered = resolve;
    });
    instance.app.addHook('preHandler', async () => {
      if (++entered === 8) allEntered();
    });
    const address = await instance.app.listen({ host: '127.0.0.1', port: 0 });
    const [, jpeg] = images as [(typeof images)[0], (typeof images)[0]];
    const tensors = tf.memory().numTensors;
    const responses = Array.from({ length: 8 }, () =>
      fetch(`${address}/v1/predict`, {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg' },
        body: new Uint8Array(jpeg.bytes),
      }),
    );
    await everyoneIn;
    const closed = instance.close();
    for (const response of await Promise.all(responses)) {
      expect(response.status).toBe(200);
      expect(((await response.json()) as Answer).predictions[0]?.top).toEqual(
        expected.get('blue.jpg'),
      );
    }
    await closed;
    await expect(fetch(`${address}/healthz`)).rejects.toThrow();
    expect(tf.memory().numTensors).toBe(tensors);
    const metrics = await instance.metrics.registry.getSingleMetricAsString('graft_batch_size');
    // Eight requests in flight together ran in fewer than eight batches (warm-up is one more).
    const count = Number(/graft_batch_size_count (\d+)/.exec(metrics)?.[1]);
    expect(count).toBeLessThan(8 + 1);
  });
});
