import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { testBackboneName, testBackboneVariable } from '../testing/test-backbone.js';
import { useTinyProject } from '../testing/tiny-project.js';
import { requireBinary, runBinary } from './run-binary.js';

// The built binary on the test-only tiny backbone: frozen features go through
// <GRAFT_CACHE_DIR>/features by default; --no-cache bypasses it; `graft cache` lists and clears.
const project = useTinyProject({ name: 'feature-cache', images: { train: 4, val: 2 } });
const cache = () => join(project(), 'cache');
const env = () => ({
  [testBackboneVariable]: '1',
  GRAFT_CACHE_DIR: cache(),
  GRAFT_OFFLINE: '1',
});

/** 12 train + 6 validation images: the vectors one run needs. */
const imagesPerRun = 18;

interface FeatureCacheReport {
  enabled: boolean;
  images: number;
  fromCache: number;
  computed: number;
  teacher?: { images: number; fromCache: number; computed: number };
}
interface Report {
  validation: { accuracy: number; loss: number };
  history: { loss: number; val_loss: number }[];
  featureCache: FeatureCacheReport;
}

const graft = (...args: string[]) => runBinary(args, { env: env() });

async function train(out: string, ...extra: string[]) {
  const result = await graft(
    'train',
    join(project(), 'data'),
    ...['--backbone', testBackboneName, '--weights', 'none', '--epochs', '3', '--lr', '0.01'],
    ...['--batch-size', '4', '--engine', 'tfjs', '--extraction-workers', '1', '--seed', '1'],
    ...['--out', join(project(), out), ...extra],
  );
  expect(result.code, result.stderr).toBe(exitCodes.success);
  return { ...result, report: await readReport(out) };
}

async function readReport(out: string): Promise<Report> {
  return JSON.parse(await readFile(join(project(), out, 'report.json'), 'utf8')) as Report;
}

/** Every cache entry with its modification time (a hit refreshes it, a write creates it). */
async function entries(): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  const walk = async (folder: string): Promise<void> => {
    for (const child of await readdir(folder, { withFileTypes: true }).catch(() => [])) {
      const path = join(folder, child.name);
      if (child.isDirectory()) await walk(path);
      else if (child.name.endsWith('.fv')) result.set(path, (await stat(path)).mtimeMs);
    }
  };
  await walk(join(cache(), 'features'));
  return result;
}

async function modelWeights(out: string): Promise<Buffer[]> {
  const folder = join(project(), out, 'model');
  const names = (await readdir(folder)).filter((name) => name.endsWith('.bin')).sort();
  return Promise.all(names.map((name) => readFile(join(folder, name))));
}

describe('the feature cache of graft train, resume and distill (built binary)', () => {
  beforeAll(() => {
    requireBinary();
  });

  it('a second train reads every image from the cache and trains the same model', async () => {
    const first = await train('first');
    expect(first.report.featureCache).toMatchObject({
      enabled: true,
      images: imagesPerRun,
      fromCache: 0,
      computed: imagesPerRun,
    });
    expect(first.stderr).toMatch(/features pass 1: 12 img in .*, 0 from cache, 12 computed/);
    expect(first.stderr).toMatch(/features: 0 from cache, 18 computed \(cache .*features\)/);
    expect((await entries()).size).toBe(imagesPerRun);

    const second = await train('second');
    expect(second.report.featureCache).toMatchObject({ fromCache: imagesPerRun, computed: 0 });
    expect(second.stderr).toMatch(/features pass 1: 12 img in .*, 12 from cache, 0 computed/);
    expect(second.stderr).toMatch(/features val: 6 img in .*, 6 from cache, 0 computed/);
    expect(second.report.validation).toEqual(first.report.validation);
    expect(second.report.history.map((logs) => [logs.loss, logs.val_loss])).toEqual(
      first.report.history.map((logs) => [logs.loss, logs.val_loss]),
    );
    expect(await modelWeights('second')).toEqual(await modelWeights('first'));
  });

  it('resume and distill read the features from the cache too', async () => {
    // The same engine as the run (auto would pick ONNX Runtime, whose features are cached apart).
    const resumed = await graft(
      'resume',
      join(project(), 'first'),
      ...['--epochs', '4', '--engine', 'tfjs', '--extraction-workers', '1'],
    );
    expect(resumed.code, resumed.stderr).toBe(exitCodes.success);
    expect((await readReport('first')).featureCache).toMatchObject({
      fromCache: imagesPerRun,
      computed: 0,
    });

    const distill = async (out: string) => {
      const result = await graft(
        'distill',
        join(project(), 'data'),
        ...['--teacher', join(project(), 'second'), '--backbone', testBackboneName],
        ...['--weights', 'none', '--epochs', '2', '--batch-size', '4', '--engine', 'tfjs'],
        ...['--extraction-workers', '1', '--seed', '1', '--out', join(project(), out)],
      );
      expect(result.code, result.stderr).toBe(exitCodes.success);
      return (await readReport(out)).featureCache;
    };
    // The student's features are the ones `graft train` cached; the teacher's rows (its logits,
    // keyed by the teacher's content) are computed once, then read back.
    const first = await distill('distilled');
    expect(first).toMatchObject({ fromCache: imagesPerRun, computed: 0 });
    expect(first.teacher).toEqual({ images: 12, fromCache: 0, computed: 12 });
    const second = await distill('distilled-again');
    expect(second).toMatchObject({ fromCache: imagesPerRun, computed: 0 });
    expect(second.teacher).toEqual({ images: 12, fromCache: 12, computed: 0 });
  });

  it('--no-cache computes every image and neither reads nor writes the cache', async () => {
    const before = await entries();
    const uncached = await train('uncached', '--no-cache');
    expect(uncached.report.featureCache).toMatchObject({
      enabled: false,
      fromCache: 0,
      computed: imagesPerRun,
    });
    expect(uncached.stderr).toMatch(/features: 0 from cache, 18 computed \(cache off\)/);
    // Same files, same times: nothing written, nothing read (a hit refreshes the time).
    expect(await entries()).toEqual(before);
    expect(uncached.report.validation).toEqual((await readReport('second')).validation);
  });

  it('an edited image is computed again, alone', async () => {
    const file = join(project(), 'data', 'train', 'red', '0.bmp');
    const bytes = await readFile(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    await writeFile(file, bytes);
    const edited = await train('edited');
    expect(edited.report.featureCache).toMatchObject({
      fromCache: imagesPerRun - 1,
      computed: 1,
    });
    expect(edited.stderr).toMatch(/features pass 1: 12 img in .*, 11 from cache, 1 computed/);
  });

  it('a damaged entry is reported naming its file, and its features computed again', async () => {
    // The two most recently used entries: both needed by the next run (the edited image's old
    // entry, unused since, is the oldest).
    const newest = [...(await entries())].sort((a, b) => b[1] - a[1]).map(([path]) => path);
    const [truncated, altered] = newest as [string, string];
    await truncate(truncated, 40);
    const bytes = await readFile(altered);
    bytes[bytes.length - 2] = (bytes[bytes.length - 2] as number) ^ 0x10;
    await writeFile(altered, bytes);
    const repaired = await train('repaired');
    expect(repaired.stderr).toContain(
      `graft: warning: feature cache entry ${truncated} is damaged`,
    );
    expect(repaired.stderr).toContain(`graft: warning: feature cache entry ${altered} is damaged`);
    expect(repaired.stderr).toMatch(/checksum mismatch/);
    expect(repaired.report.featureCache).toMatchObject({
      fromCache: imagesPerRun - 2,
      computed: 2,
    });
    expect(repaired.report.validation).toEqual((await readReport('edited')).validation);
    // Rewritten: the next run reads every image again.
    const again = await train('again');
    expect(again.report.featureCache).toMatchObject({ fromCache: imagesPerRun, computed: 0 });
  });

  it('graft cache ls lists each kind; clear needs --yes and valid kinds', async () => {
    const listed = await graft('--json', 'cache', 'ls');
    expect(listed.code, listed.stderr).toBe(exitCodes.success);
    const listing = JSON.parse(listed.stdout) as {
      directory: string;
      kinds: { kind: string; entries: number; bytes: number; items: { identity: string }[] }[];
    };
    expect(listing.directory).toBe(cache());
    expect(listing.kinds.map((kind) => kind.kind)).toEqual([
      'features',
      'pixels',
      'onnx',
      'data',
      'downloads',
    ]);
    const features = listing.kinds.find((kind) => kind.kind === 'features');
    expect(features?.entries).toBe((await entries()).size);
    // The backbone (the tiny test network, random weights of seed 1) and the data pipeline.
    const identity =
      /^tiny \(tiny:16x16:8:seed1, weights random; network [0-9a-f]{12}…\), 16×16 stretch, wasm/;
    expect(features?.items[0]?.identity).toMatch(identity);
    const text = await graft('cache', 'ls');
    expect(text.stdout).toMatch(/features\s+\d+\s+[\d.]+ KiB/);
    expect(text.stdout).toMatch(/tiny \(tiny:16x16:8:seed1/);

    const bad = await graft('cache', 'clear', '--kind', 'features,weights');
    expect(bad.code).toBe(exitCodes.usage);
    expect(bad.stderr).toMatch(/--kind/);
    expect(bad.stderr).toMatch(/features, pixels, onnx, data, downloads, all/);
    expect(bad.stderr).toMatch(/weights/);

    const dry = await graft('cache', 'clear', '--kind', 'features');
    expect(dry.code).toBe(exitCodes.usage);
    expect(dry.stdout).toMatch(/would delete .*features \d+ entries.*add --yes/);
    expect((await entries()).size).toBeGreaterThan(0);

    const cleared = await graft('cache', 'clear', '--kind', 'features', '--yes');
    expect(cleared.code, cleared.stderr).toBe(exitCodes.success);
    expect(cleared.stdout).toMatch(/deleted from .*features \d+ entries/);
    expect((await entries()).size).toBe(0);
    const empty = JSON.parse((await graft('--json', 'cache', 'ls')).stdout) as typeof listing;
    expect(empty.kinds.find((kind) => kind.kind === 'features')?.entries).toBe(0);
  });
});
