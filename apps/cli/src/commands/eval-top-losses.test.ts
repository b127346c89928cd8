import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess as run } from '../testing/run-in-process.js';
import { testBackboneName } from '../testing/test-backbone.js';
import { useTinyProject } from '../testing/tiny-project.js';

const project = useTinyProject({ name: 'top-losses', images: { train: 6, val: 6 } });

describe('graft eval --top-losses', () => {
  it('draws the most confidently wrong images with their true and predicted class', async () => {
    const out = join(project(), 'run');
    const trained = await run(
      'train',
      join(project(), 'data'),
      ...['--backbone', testBackboneName, '--weights', 'none', '--epochs', '1'],
      ...['--extraction-workers', '1', '--out', out],
    );
    expect(trained.code, trained.stderr).toBe(exitCodes.success);
    const file = join(project(), 'top.svg');
    const evaluated = await run(
      '--json',
      'eval',
      out,
      join(project(), 'data'),
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
