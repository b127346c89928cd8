import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFormatError } from '@graft/core';
import { afterAll, describe, expect, it } from 'vitest';
import { stratifiedSplit } from '../splits/stratified-split.js';
import { makeImageFolder } from '../testing/make-image-folder.js';
import { openImageFolder } from './open-image-folder.js';
import {
  createSplitManifest,
  datasetsFromManifest,
  loadSplitManifest,
  saveSplitManifest,
} from './split-manifest-files.js';

const cleanup: string[] = [];
afterAll(async () => {
  for (const path of cleanup) await rm(path, { recursive: true, force: true });
});

describe('split manifests', () => {
  it('save and load a split that gives back the same files and labels', async () => {
    const files: Record<string, [number, number]> = {};
    for (let index = 0; index < 12; index++)
      files[`${index < 8 ? 'a' : 'b'}/${index}.ppm`] = [4, 4];
    const root = await makeImageFolder(files);
    cleanup.push(root);
    const dataset = (await openImageFolder({ root, imageSize: [4, 4] })).dataset();
    const { splits } = stratifiedSplit({
      labels: dataset.labels(),
      fractions: { train: 0.5, val: 0.25, test: 0.25 },
      seed: 5,
    });
    const manifest = createSplitManifest({ dataset, splits, root, seed: 5 });
    expect(manifest.splits.val?.map((entry) => entry.path)).toEqual(
      splits.val.map((index) => (dataset.files[index]?.path ?? '').slice(root.length + 1)),
    );
    const path = join(root, 'split.json');
    await saveSplitManifest(path, manifest);
    const loaded = await loadSplitManifest(path);
    expect(loaded).toEqual(manifest);
    const restored = datasetsFromManifest({ manifest: loaded, imageSize: [4, 4] });
    for (const name of ['train', 'val', 'test'] as const) {
      const expected = dataset.subset(splits[name]);
      expect(restored[name]?.files.map((file) => [file.path, file.label])).toEqual(
        expected.files.map((file) => [file.path, file.label]),
      );
    }
    expect(restored.train?.classNames).toEqual(['a', 'b']);
  });

  it('names the file of an invalid manifest', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'graft-manifest-'));
    cleanup.push(folder);
    const path = join(folder, 'bad.json');
    await writeFile(
      path,
      JSON.stringify({
        format: 'graft-split-manifest',
        version: 1,
        root: '/',
        classNames: ['a'],
        splits: { train: [{ path: 'x.png', label: 3 }] },
      }),
    );
    await expect(loadSplitManifest(path)).rejects.toThrow(
      /bad\.json: not a valid split manifest: splits\.train\[0\]\.label 3/,
    );
    await writeFile(path, '{ nope');
    await expect(loadSplitManifest(path)).rejects.toSatisfy(FileFormatError.isInstance);
  });
});
