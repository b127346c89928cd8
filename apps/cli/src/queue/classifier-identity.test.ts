import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  classifierDigest,
  predictIdentityMismatches,
  predictIdentityOf,
} from './classifier-identity.js';

describe('a prediction job names its classifier', () => {
  it('by the bytes of every file in its directory, so a worker with another one refuses', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'graft-classifier-identity-'));
    try {
      const here = join(directory, 'here');
      const there = join(directory, 'there');
      for (const folder of [here, there]) {
        await mkdir(join(folder, 'nested'), { recursive: true });
        await writeFile(join(folder, 'model.json'), '{"layers":[]}');
        await writeFile(join(folder, 'weights.bin'), Buffer.from([1, 2, 3, 4]));
        await writeFile(join(folder, 'metadata.json'), '{"labels":["a","b"]}');
      }
      // Same files at another path (a mapped mount): the same classifier.
      expect(await classifierDigest(there)).toBe(await classifierDigest(here));
      // A subfolder is not part of the classifier.
      await writeFile(join(there, 'nested', 'notes.txt'), 'x');
      expect(await classifierDigest(there)).toBe(await classifierDigest(here));
      // Other labels, or one weight byte: another classifier.
      await writeFile(join(there, 'metadata.json'), '{"labels":["b","a"]}');
      const expected = await predictIdentityOf({ modelDir: here, backend: 'cpu' });
      const actual = await predictIdentityOf({ modelDir: there, backend: 'wasm' });
      expect(predictIdentityMismatches(actual, expected)).toEqual([
        `classifier: this worker has ${actual.classifier}, the run needs ${expected.classifier}`,
        'backend: this worker has wasm, the run needs cpu',
      ]);
      await writeFile(join(there, 'metadata.json'), '{"labels":["a","b"]}');
      await writeFile(join(there, 'weights.bin'), Buffer.from([1, 2, 3, 5]));
      expect(await classifierDigest(there)).not.toBe(await classifierDigest(here));
      await expect(classifierDigest(join(directory, 'missing'))).rejects.toThrow(/missing/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
