import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary, runBinary } from '../e2e/run-binary.js';
import { exitCodes } from '../exit-codes.js';
import {
  redisTestsEnabled,
  startRedisServer,
  type TestRedisServer,
} from '../testing/redis-server.js';
import { testBackboneName, testBackboneVariable } from '../testing/test-backbone.js';
import { writeColourImages } from '../testing/write-test-images.js';

// `graft predict --queue` against a redis-server of its own, with one `graft worker` (the built
// binary) on the test-only 16×16 backbone. Once the run has enqueued its shards, the folder
// holding the data and the classifier is moved away, as if the worker's machine mounted it
// elsewhere: the worker finds it through `--map-path`, and the output (images given by --list) (a decode failure
// included) must be the local `graft predict`'s, byte for byte.
let directory: string;
let trainerView: string;
let images: string[];
let redis: TestRedisServer;

const environment = () => ({
  [testBackboneVariable]: '1',
  GRAFT_OFFLINE: '1',
  GRAFT_CACHE_DIR: join(directory, 'cache'),
});

describe.skipIf(!redisTestsEnabled)('graft predict --queue with a mapped graft worker', () => {
  beforeAll(async () => {
    requireBinary();
    directory = await mkdtemp(join(tmpdir(), 'graft-predict-queue-'));
    trainerView = join(directory, 'trainer-view');
    const data = join(trainerView, 'data');
    await writeColourImages(data, { train: 2, val: 1 });
    const trained = await runBinary(
      [
        '--backend',
        'cpu',
        'train',
        data,
        '--backbone',
        testBackboneName,
        '--weights',
        'none',
        '--epochs',
        '1',
        '--batch-size',
        '4',
        '--extraction-workers',
        '1',
        '--engine',
        'tfjs',
        '--out',
        join(trainerView, 'run'),
      ],
      { env: environment() },
    );
    expect(trained.code, trained.stderr).toBe(exitCodes.success);
    images = [];
    for (const name of ['red', 'green', 'blue']) {
      for (const file of (await readdir(join(data, 'train', name))).sort()) {
        images.push(join(data, 'train', name, file));
      }
    }
    // A .bmp that does not decode: reported with its error by both ways, exit 3.
    await mkdir(join(trainerView, 'inputs'));
    images.splice(3, 0, join(trainerView, 'inputs', 'broken.bmp'));
    await writeFile(join(trainerView, 'inputs', 'broken.bmp'), 'BM not really a bitmap');
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('gives the local predictions, with the data and classifier at another path on the worker', async () => {
    const predictArguments = ['--backend', 'cpu', 'predict', join(trainerView, 'run'), ...images];
    const local = await runBinary([...predictArguments, '--tta', 'flip', '--json'], {
      env: environment(),
    });
    expect(local.code, local.stderr).toBe(exitCodes.input);

    const workerView = join(directory, 'worker-view');
    let worker: Promise<{ code: number | null; stderr: string }> | undefined;
    let workerProcess: ChildProcess | undefined;
    let workerReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      workerReady = resolve;
    });
    // The same images through --list (absolute lines), as a large batch would be given.
    const list = join(directory, 'images.txt');
    await writeFile(list, `${images.join('\n')}\n`);
    const queued = runBinary(
      [
        '--backend',
        'cpu',
        'predict',
        join(trainerView, 'run'),
        '--list',
        list,
        '--tta',
        'flip',
        '--json',
        '--queue',
        redis.url,
        '--shared-dir',
        join(directory, 'shared'),
        '--shard-images',
        '2',
      ],
      {
        env: environment(),
        onStderr: (text) => {
          if (worker !== undefined || !text.includes('no worker is attached')) return;
          // Enqueued: from now on only the worker reads the data and the classifier.
          worker = rename(trainerView, workerView).then(() => {
            let seen = '';
            return runBinary(
              [
                '--backend',
                'cpu',
                'worker',
                '--queue',
                redis.url,
                '--map-path',
                `${trainerView}=${workerView}`,
              ],
              {
                env: environment(),
                onStderr: (chunk, child) => {
                  seen += chunk;
                  workerProcess = child;
                  if (seen.includes('waiting for jobs')) workerReady();
                },
              },
            );
          });
        },
      },
    );
    const result = await queued;
    expect(result.code, result.stderr).toBe(exitCodes.input);
    expect(JSON.parse(result.stdout)).toEqual(JSON.parse(local.stdout));
    expect(result.stdout).toBe(local.stdout);
    await ready;
    workerProcess?.kill('SIGTERM');
    const workerResult = await (worker as NonNullable<typeof worker>);
    expect(workerResult.stderr).toContain(`loading classifier ${join(workerView, 'run', 'model')}`);
    // 7 readable images in shards of 2.
    expect(workerResult.stderr.match(/shard \w+: \d images in/g)).toHaveLength(4);
  });
});
