import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess as run } from '../testing/run-in-process.js';

// In-process `graft train` then `graft adapt --method adabn` on a few real ants/bees images with
// MobileNetV2 0.35 from the shared mirror (seconds on wasm).
const shared = process.env.GRAFT_SHARED_DIR ?? '';
let directory: string;
let data: string;
let sourceRun: string;

async function snapshot(root: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const name of (await readdir(root, { recursive: true })) as string[]) {
    const content = await readFile(join(root, name)).catch(() => undefined);
    if (content) result[name] = content.toString('base64');
  }
  return result;
}

beforeAll(async () => {
  process.env.GRAFT_MIRROR = join(shared, 'weights');
  process.env.GRAFT_OFFLINE = '1';
  directory = await mkdtemp(join(tmpdir(), 'graft-adapt-'));
  data = join(directory, 'data');
  for (const split of ['train', 'val']) {
    for (const className of ['ants', 'bees']) {
      const from = join(shared, 'data', 'hymenoptera', split, className);
      const files = (await readdir(from)).filter((name) => name.endsWith('.jpg')).sort();
      await mkdir(join(data, split, className), { recursive: true });
      for (const name of files.slice(0, 4)) {
        await copyFile(join(from, name), join(data, split, className, name));
      }
    }
  }
  sourceRun = join(directory, 'source');
  const trained = await run(
    '--json',
    'train',
    data,
    '--backbone',
    'mobilenet_v2_0.35_224',
    '--epochs',
    '2',
    '--batch-size',
    '4',
    '--out',
    sourceRun,
  );
  expect(trained.code, trained.stderr).toBe(exitCodes.success);
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('graft adapt', () => {
  it('writes an AdaBN-adapted run beside the source, which stays byte-identical', async () => {
    const before = await snapshot(sourceRun);
    const adapted = await run('--json', 'adapt', '--method', 'adabn', sourceRun, data);
    expect(adapted.code, adapted.stderr).toBe(exitCodes.success);
    const summary = JSON.parse(adapted.stdout);
    expect(summary.output).toBe(`${sourceRun}-adabn`);
    // A train/ val/ folder: only train/ (8 images) is used.
    expect(summary.report).toMatchObject({ method: 'adabn', imagesSeen: 8, layersAdapted: 52 });
    expect(await snapshot(sourceRun)).toEqual(before);

    const metadata = JSON.parse(
      await readFile(join(summary.output, 'model', 'metadata.json'), 'utf8'),
    );
    expect(metadata.graft.adaptation).toHaveLength(1);
    expect(metadata.graft.adaptation[0]).toMatchObject({
      method: 'adabn',
      images: 8,
      options: { strategy: 'one-pass' },
      details: { sourceRun: 'source', targetData: 'data', split: 'train' },
    });
    expect(JSON.stringify(metadata)).not.toContain(directory);
    const config = JSON.parse(await readFile(join(summary.output, 'config.json'), 'utf8'));
    expect(config.adaptation).toMatchObject({ method: 'adabn', sourceRun, images: 8 });
    // The data path stays relative to the (new) run directory.
    expect(resolve(summary.output, config.data)).toBe(data);
    expect((await readdir(directory)).filter((name) => name.includes('.partial-'))).toEqual([]);

    // The adapted run is a run: graft eval reads it.
    const evaluated = await run('--json', 'eval', summary.output, data, '--split', 'val');
    expect(evaluated.code, evaluated.stderr).toBe(exitCodes.success);
    expect(JSON.parse(evaluated.stdout).count).toBe(8);

    // Never overwrites: the same output again is refused.
    const again = await run('adapt', sourceRun, data);
    expect(again.code).toBe(exitCodes.usage);
    expect(again.stderr).toMatch(/must not exist/);
  });

  it('lists the valid methods for an unknown --method, and says CORAL is a training loss', async () => {
    const unknown = await run('adapt', '--method', 'coral', sourceRun, data);
    expect(unknown.code).toBe(exitCodes.usage);
    expect(unknown.stderr).toMatch(/adabn/);
    const help = await run('adapt', '--help');
    expect(help.code).toBe(exitCodes.success);
    expect(help.stdout).toMatch(/CORAL is not a post-hoc method/);
    expect(help.stdout).toMatch(/adabn +AdaBN/);
  });
});
