import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess as run } from '../testing/run-in-process.js';
import {
  registerTestBackboneIfAsked,
  testBackboneName,
  testBackboneVariable,
} from '../testing/test-backbone.js';
import { writeColourImages } from '../testing/write-test-images.js';

let directory: string;

beforeAll(async () => {
  process.env[testBackboneVariable] = '1';
  await registerTestBackboneIfAsked();
  directory = await mkdtemp(join(tmpdir(), 'graft-top-losses-'));
  await writeColourImages(join(directory, 'data'), { train: 6, val: 6 });
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('graft eval --top-losses', () => {
  it('draws the most confidently wrong images with their true and predicted class', async () => {
    const out = join(directory, 'run');
    const trained = await run(
      'train',
      join(directory, 'data'),
      ...['--backbone', testBackboneName, '--weights', 'none', '--epochs', '1'],
      ...['--extraction-workers', '1', '--out', out],
    );
    expect(trained.code, trained.stderr).toBe(exitCodes.success);
    const file = join(directory, 'top.svg');
    const evaluated = await run(
      '--json',
      'eval',
      out,
      join(directory, 'data'),
      ...['--split', 'val', '--top-losses', '3', '--top-losses-file', file],
    );
    expect(evaluated.code, evaluated.stderr).toBe(exitCodes.success);
    const report = JSON.parse(evaluated.stdout) as {
      classNames: string[];
      misclassified: Array<{
        source: string;
        label: number;
        predicted: number;
        confidence: number;
      }>;
    };
    // One epoch of a random 16×16 network on noisy colours: some images are wrong.
    expect(report.misclassified.length).toBeGreaterThan(0);
    const svg = await readFile(file, 'utf8');
    expect(XMLValidator.validate(svg)).toBe(true);
    const drawn = report.misclassified.slice(0, 3);
    expect(svg.match(/<g class="top-loss">/g)).toHaveLength(drawn.length);
    expect(svg.match(/href="data:image\/jpeg;base64,/g)).toHaveLength(drawn.length);
    for (const entry of drawn) {
      const caption = `${report.classNames[entry.predicted]} ${entry.confidence.toFixed(2)} / true ${report.classNames[entry.label]}`;
      expect(svg).toContain(caption);
      expect(svg).toContain(basename(entry.source));
    }
  });
});
