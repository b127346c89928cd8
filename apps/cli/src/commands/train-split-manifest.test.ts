import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess as run } from '../testing/run-in-process.js';
import { testBackboneName } from '../testing/test-backbone.js';
import { useTinyProject } from '../testing/tiny-project.js';

const project = useTinyProject({ name: 'split-manifest', images: { train: 8, val: 0 } });
/** A flat folder of class folders (red, green, blue), 8 images each. */
const flat = () => join(project(), 'data', 'train');

type Manifest = { root: string; splits: Record<string, Array<{ path: string; label: number }>> };

async function train(name: string, data: string, ...extra: string[]) {
  const out = join(project(), name);
  const result = await run(
    'train',
    data,
    ...['--backbone', testBackboneName, '--weights', 'none', '--epochs', '1'],
    ...['--extraction-workers', '1', '--out', out, ...extra],
  );
  return { ...result, out };
}

async function readManifest(out: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(out, 'split-manifest.json'), 'utf8')) as Manifest;
}

describe('split manifest', () => {
  it('is written into the run and --split-manifest trains on exactly its files', async () => {
    const first = await train('first', flat(), '--split', '0.5,0.25,0.25', '--seed', '1');
    expect(first.code, first.stderr).toBe(exitCodes.success);
    const manifest = await readManifest(first.out);
    const files = Object.values(manifest.splits).flat();
    expect(Object.keys(manifest.splits)).toEqual(['train', 'validation', 'test']);
    expect(files).toHaveLength(24);
    expect(new Set(files.map((file) => file.path)).size).toBe(24);
    expect(files.every((file) => !file.path.startsWith('/'))).toBe(true);

    // Another seed splits differently, unless the manifest says which file goes where.
    const reseeded = await train('reseeded', flat(), '--split', '0.5,0.25,0.25', '--seed', '2');
    expect((await readManifest(reseeded.out)).splits).not.toEqual(manifest.splits);
    const moved = join(project(), 'moved');
    await cp(flat(), moved, { recursive: true });
    const reused = await train(
      'reused',
      moved,
      ...['--split-manifest', join(first.out, 'split-manifest.json'), '--seed', '2'],
    );
    expect(reused.code, reused.stderr).toBe(exitCodes.success);
    expect(reused.stderr).toContain('12 train / 6 val / 6 test images');
    const reusedManifest = await readManifest(reused.out);
    expect(reusedManifest.splits).toEqual(manifest.splits);
    expect(reusedManifest.root).toBe(moved);
  });

  it('refuses --split with --split-manifest, and names a missing manifest file', async () => {
    const both = await train('both', flat(), '--split', '0.5,0.5', '--split-manifest', 'x.json');
    expect(both.code).toBe(exitCodes.usage);
    expect(both.stderr).toMatch(/--split-manifest.*cannot be combined with --split/);
    const missing = join(project(), 'missing.json');
    const absent = await train('absent', flat(), '--split-manifest', missing);
    expect(absent.code).toBe(exitCodes.input);
    expect(absent.stderr).toContain(missing);
  });
});
