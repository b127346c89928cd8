import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runCli } from '../program.js';
import { oversizedNames, writeOversizedImages } from '../testing/oversized-images.js';

async function run(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli({
    arguments: args,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

const hymenoptera = join(process.env.GRAFT_SHARED_DIR ?? '', 'data', 'hymenoptera');

describe('graft data inspect: duplicates', () => {
  let root = '';
  beforeAll(async () => {
    root = join(tmpdir(), `graft-cli-duplicates-${process.pid}`);
    for (const split of ['train', 'val']) {
      for (const className of ['ants', 'bees']) {
        await mkdir(join(root, split, className), { recursive: true });
        const names = (await readdir(join(hymenoptera, split, className)))
          .filter((name) => name.endsWith('.jpg'))
          .sort()
          .slice(0, 4);
        for (const name of names) {
          await writeFile(
            join(root, split, className, name),
            await readFile(join(hymenoptera, split, className, name)),
          );
        }
      }
    }
    const [ant] = (await readdir(join(root, 'train', 'ants'))).sort();
    const [bee] = (await readdir(join(root, 'train', 'bees'))).sort();
    const antBytes = await readFile(join(root, 'train', 'ants', ant as string));
    const beeBytes = await readFile(join(root, 'train', 'bees', bee as string));
    // An exact copy of an ant in val (leak), and a bee filed as an ant (label noise) whose bytes
    // differ only by a JPEG comment segment: the same pixels in a different file.
    await writeFile(join(root, 'val', 'ants', 'leaked-ant.jpg'), antBytes);
    const comment = Buffer.from('graft test copy');
    const segment = Buffer.from([0xff, 0xfe, 0, comment.length + 2]);
    await writeFile(
      join(root, 'train', 'ants', 'bee-commented.jpg'),
      Buffer.concat([beeBytes.subarray(0, 2), segment, comment, beeBytes.subarray(2)]),
    );
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('keeps the counts and lists exact groups and near pairs with their kinds', async () => {
    const { code, stdout } = await run('data', 'inspect', root);
    expect(code).toBe(exitCodes.success);
    expect(stdout).toMatch(/ants\s+5\s+5\s+10/);
    expect(stdout).toContain('imbalance');
    expect(stdout).toMatch(
      /duplicates {2}1 exact group\(s\) \(1 redundant file\(s\); pairs: 0 cross-class, 1 cross-split\)/,
    );
    expect(stdout).toMatch(
      /near {8}1 pair\(s\) \(pHash ≤ 10 bits\): 0 within-class, 1 cross-class, 0 cross-split/,
    );
    const exactTable = stdout.slice(
      stdout.indexOf('exact duplicates'),
      stdout.indexOf('near duplicates'),
    );
    expect(exactTable).toMatch(
      /1\s+train\/ants\/\S+\.jpg\s+ants\s+train\s+within-class\+cross-split/,
    );
    expect(exactTable).toMatch(/val\/ants\/leaked-ant\.jpg\s+ants\s+val/);
    const nearTable = stdout.slice(stdout.indexOf('near duplicates'));
    expect(nearTable).toMatch(
      /train\/ants\/bee-commented\.jpg\s+ants\/train\s+train\/bees\/\S+\s+bees\/train\s+0\s+cross-class/,
    );
  });

  it('--json adds the duplicate report; --no-near-duplicates and --no-duplicates turn scans off', async () => {
    const json = JSON.parse((await run('--json', 'data', 'inspect', root)).stdout);
    expect(json.totals.all).toBe(18);
    expect(json.duplicates.exactGroups).toHaveLength(1);
    expect(json.duplicates.nearPairs).toHaveLength(1);
    expect(json.duplicates.nearPairs[0]).toMatchObject({
      first: { className: 'ants', split: 'train' },
      second: { className: 'bees', split: 'train' },
      methods: ['perceptual-hash'],
      kinds: ['cross-class'],
    });
    expect(json.duplicates.nearPairs[0].hammingDistance).toBeLessThanOrEqual(10);
    const exactOnly = JSON.parse(
      (await run('--json', 'data', 'inspect', root, '--no-near-duplicates')).stdout,
    );
    expect(exactOnly.duplicates.exactGroups).toHaveLength(1);
    expect(exactOnly.duplicates.nearPairs).toEqual([]);
    expect(exactOnly.duplicates.hammingThreshold).toBeUndefined();
    const none = JSON.parse(
      (await run('--json', 'data', 'inspect', root, '--no-duplicates')).stdout,
    );
    expect(none.duplicates).toBeUndefined();
    expect(none.totals.all).toBe(18);
    const strict = JSON.parse(
      (await run('--json', 'data', 'inspect', root, '--hamming-threshold', '0')).stdout,
    );
    expect(strict.duplicates.hammingThreshold).toBe(0);
    // Same pixels: still found at distance 0.
    expect(
      strict.duplicates.nearPairs.map((pair: { hammingDistance: number }) => pair.hammingDistance),
    ).toEqual([0]);
  });

  it('--features adds a cosine scan of pretrained backbone features', async () => {
    process.env.GRAFT_MIRROR = join(process.env.GRAFT_SHARED_DIR ?? '', 'weights');
    process.env.GRAFT_OFFLINE = '1';
    const { code, stdout } = await run(
      '--json',
      '--backend',
      'cpu',
      'data',
      'inspect',
      root,
      '--no-near-duplicates',
      '--features',
      'mobilenet_v2_0.35_224',
    );
    expect(code).toBe(exitCodes.success);
    const { duplicates } = JSON.parse(stdout);
    expect(duplicates.cosineThreshold).toBe(0.9);
    expect(duplicates.summary.withoutFeatures).toBe(0);
    // The commented copy has the same pixels, so the same features; distinct photos stay apart.
    expect(duplicates.nearPairs).toHaveLength(1);
    expect(duplicates.nearPairs[0]).toMatchObject({
      methods: ['features'],
      kinds: ['cross-class'],
      second: { className: 'bees' },
    });
    expect(duplicates.nearPairs[0].first.path).toMatch(/bee-commented\.jpg$/);
    expect(duplicates.nearPairs[0].cosineSimilarity).toBeGreaterThan(0.999);
  }, 120_000);

  it('rejects out-of-range thresholds naming the flag, the value and the range', async () => {
    const bits = await run('data', 'inspect', root, '--hamming-threshold', '40');
    expect(bits.code).toBe(exitCodes.usage);
    expect(bits.stderr.trim()).toBe(
      'graft: Argument `--hamming-threshold` must be a whole number from 0 to 24. Received: --hamming-threshold="40"',
    );
    const cosine = await run('data', 'inspect', root, '--cosine-threshold', '1.2');
    expect(cosine.code).toBe(exitCodes.usage);
    expect(cosine.stderr).toContain(
      'Argument `--cosine-threshold` must be a cosine similarity in (0, 1]',
    );
    expect(cosine.stderr).toContain('--cosine-threshold=1.2');
  });
});

describe('graft data inspect: images whose header claims 100000x100000', () => {
  let root = '';
  beforeAll(async () => {
    root = join(tmpdir(), `graft-cli-oversized-${process.pid}`);
    for (const className of ['ants', 'bees']) {
      await mkdir(join(root, className), { recursive: true });
      const [name] = (await readdir(join(hymenoptera, 'train', className)))
        .filter((file) => file.endsWith('.jpg'))
        .sort();
      await writeFile(
        join(root, className, name as string),
        await readFile(join(hymenoptera, 'train', className, name as string)),
      );
    }
    await writeOversizedImages(join(root, 'ants'));
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('lists them as unreadable with the declared size and the cap, and finishes', async () => {
    for (const check of ['header', 'full']) {
      const { code, stdout, stderr } = await run('data', 'inspect', root, '--check', check);
      expect(code, stderr).toBe(exitCodes.success);
      for (const name of oversizedNames) {
        expect(stdout).toContain(
          `unreadable  ${join(root, 'ants', name)}: declared size 100000x100000 (10000000000 pixels) exceeds the limit of 268435456 pixels`,
        );
      }
      expect(stdout).toMatch(/over 2 images/);
    }
  });
});
