import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackbone } from '@graft/backbones';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { oversizedNames, writeOversizedImages } from '../testing/oversized-images.js';
import { runInProcess as run } from '../testing/run-in-process.js';

// Counts backbone loads, to check that bad inputs fail before any (the real one still runs).
vi.mock('@graft/backbones', async (importOriginal) => {
  const original = await importOriginal<typeof import('@graft/backbones')>();
  return { ...original, createBackbone: vi.fn(original.createBackbone) };
});

const shared = process.env.GRAFT_SHARED_DIR ?? '';
let directory: string;

/** A few real ants/bees images per class and split, plus three oversized headers in train/ants. */
async function makeData(root: string): Promise<void> {
  for (const split of ['train', 'val']) {
    for (const className of ['ants', 'bees']) {
      const from = join(shared, 'data', 'hymenoptera', split, className);
      const files = (await readdir(from)).filter((name) => name.endsWith('.jpg')).sort();
      await mkdir(join(root, split, className), { recursive: true });
      for (const name of files.slice(0, 3)) {
        await copyFile(join(from, name), join(root, split, className, name));
      }
    }
  }
  await writeOversizedImages(join(root, 'train', 'ants'));
}

beforeAll(async () => {
  process.env.GRAFT_MIRROR = join(shared, 'weights');
  process.env.GRAFT_OFFLINE = '1';
  directory = await mkdtemp(join(tmpdir(), 'graft-train-'));
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});
beforeEach(() => {
  vi.mocked(createBackbone).mockClear();
});

describe('graft train: inputs are checked before any backbone loads', () => {
  it('fails on a missing data folder with the input exit code, loading nothing and writing nothing', async () => {
    const out = join(directory, 'never-written');
    const missing = join(directory, 'missing');
    const result = await run('train', missing, '--out', out);
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toContain(`<data> ${missing}: ${missing} not found`);
    expect(result.stderr).not.toMatch(/loading backbone|feature-extraction workers/);
    expect(createBackbone).not.toHaveBeenCalled();
    await expect(stat(out)).rejects.toThrow(/ENOENT/);
  });

  it('checks the layout, --out and --augment first too', async () => {
    const data = join(directory, 'layout');
    await makeData(data);
    const file = join(directory, 'a-file');
    await writeFile(file, 'not a folder');
    const noTrain = join(directory, 'only-val');
    await mkdir(join(noTrain, 'val', 'ants'), { recursive: true });
    await copyFile(
      join(data, 'val', 'ants', (await readdir(join(data, 'val', 'ants')))[0] as string),
      join(noTrain, 'val', 'ants', 'a.jpg'),
    );
    const cases: [string[], number, RegExp][] = [
      [['train', data, '--out', file], exitCodes.usage, /--out.*is a file/],
      [['train', data, '--out', join(file, 'run')], exitCodes.usage, /--out.*is a file/],
      [['train', noTrain, '--out', join(directory, 'x')], exitCodes.usage, /train\/ folder/],
      [['train', file, '--out', join(directory, 'x')], exitCodes.input, /is a file, not a folder/],
      [
        ['train', data, '--augment', 'randomFlipp', '--out', join(directory, 'x')],
        exitCodes.usage,
        /randomFlip/,
      ],
      [
        ['train', data, '--head', 'mlpp:hiddenUnits=64', '--out', join(directory, 'x')],
        exitCodes.usage,
        /Argument `--head` must be one of: linear, mlp, multi-label\. Received: --head="mlpp"/,
      ],
      [
        ['train', data, '--head', 'mlp:seed=3', '--out', join(directory, 'x')],
        exitCodes.usage,
        /Argument `--head` must not set seed: the run sets it/,
      ],
      [
        ['train', data, '--head', 'mlp:hiddenUnits', '--out', join(directory, 'x')],
        exitCodes.usage,
        /--head.*name:key=value,key=value \(e\.g\. mlp:hiddenUnits=\[1024\],dropout=0\.2\)/,
      ],
    ];
    for (const [args, code, message] of cases) {
      const result = await run(...args);
      expect(result.code, result.stderr).toBe(code);
      expect(result.stderr).toMatch(message);
    }
    expect(createBackbone).not.toHaveBeenCalled();
    await expect(stat(join(directory, 'x'))).rejects.toThrow(/ENOENT/);
  });
});

describe('graft train on a folder with oversized images and --augment randomResizedCrop', () => {
  const base = () => join(directory, 'project');
  let trained: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    await makeData(join(base(), 'data'));
    trained = await run(
      '--verbose',
      'train',
      join(base(), 'data'),
      '--backbone',
      'mobilenet_v2_0.35_224',
      '--augment',
      'randomFlip+randomResizedCrop:scale=[0.5,1]',
      '--epochs',
      '1',
      '--batch-size',
      '4',
      '--extraction-workers',
      '1',
      '--out',
      join(base(), 'runs', 'first'),
    );
  });

  it('trains, skipping and listing the oversized files; randomResizedCrop gets the input size', async () => {
    expect(trained.code, trained.stderr).toBe(exitCodes.success);
    for (const name of oversizedNames) {
      expect(trained.stderr).toMatch(
        new RegExp(
          `unreadable, left out: .*${name.replace('.', '\\.')}: declared size 100000x100000`,
        ),
      );
    }
    // The three oversized files are counted in the scan and listed as left out.
    expect(trained.stdout).toMatch(/images\s+9 train \/ 6 val/);
    const metadata = JSON.parse(
      await readFile(join(base(), 'runs', 'first', 'model', 'metadata.json'), 'utf8'),
    );
    expect(metadata.graft.augmentation.options.ops[1]).toMatchObject({
      name: 'randomResizedCrop',
      options: { size: [224, 224], scale: [0.5, 1] },
    });
  });

  it('records no absolute local path of the data in metadata.json or config.json', async () => {
    const runRoot = join(base(), 'runs', 'first');
    const metadataText = await readFile(join(runRoot, 'model', 'metadata.json'), 'utf8');
    expect(metadataText).not.toContain(directory);
    expect(JSON.parse(metadataText).graft.training.data).toBe('data (train/val folders)');
    const config = JSON.parse(await readFile(join(runRoot, 'config.json'), 'utf8'));
    expect(config.data).toBe(join('..', '..', 'data'));
  });

  it('resumes after the run and its data moved together', async () => {
    const moved = `${base()}-moved`;
    await rename(base(), moved);
    const resumed = await run('resume', join(moved, 'runs', 'first'), '--epochs', '2');
    expect(resumed.code, resumed.stderr).toBe(exitCodes.success);
    const history = (await readFile(join(moved, 'runs', 'first', 'logs', 'history.jsonl'), 'utf8'))
      .trim()
      .split('\n');
    expect(history).toHaveLength(2);
  });
});

describe('graft train --head', () => {
  it('trains the registered head it names, with its options, and the run loads back', async () => {
    const data = join(directory, 'head-data');
    await makeData(data);
    const out = join(directory, 'head-run');
    const trained = await run(
      'train',
      data,
      '--backbone',
      'mobilenet_v2_0.35_224',
      '--head',
      'mlp:hiddenUnits=[16,8],dropout=0',
      '--epochs',
      '2',
      '--out',
      out,
    );
    expect(trained.code, trained.stderr).toBe(exitCodes.success);
    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(config.head).toBe('mlp:hiddenUnits=[16,8],dropout=0');
    const model = JSON.parse(await readFile(join(out, 'model', 'model.json'), 'utf8'));
    const hiddenUnits: number[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value !== null && typeof value === 'object') {
        const entry = value as { class_name?: string; config?: { name?: string; units?: number } };
        if (entry.class_name === 'Dense' && entry.config?.name?.startsWith('head_dense_')) {
          hiddenUnits.push(entry.config.units ?? 0);
        }
        Object.values(value).forEach(walk);
      }
    };
    walk(model.modelTopology);
    expect(hiddenUnits).toEqual([16, 8]);
    const evaluated = await run('eval', out, data);
    expect(evaluated.code, evaluated.stderr).toBe(exitCodes.success);
    const unknownOption = await run(
      'train',
      data,
      '--backbone',
      'mobilenet_v2_0.35_224',
      '--head',
      'mlp:hiddenUnitz=16',
      '--out',
      join(directory, 'head-bad'),
    );
    expect(unknownOption.code).toBe(exitCodes.usage);
    expect(unknownOption.stderr).toMatch(/hiddenUnitz/);
    expect(unknownOption.stderr).toMatch(/hiddenUnits/);
  });
});
