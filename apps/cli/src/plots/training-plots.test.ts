import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { EvaluationReport } from '@graft/trainer';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTrainingPlots, writeTrainingPlots } from './training-plots.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'graft-plots-'));
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

/** Lines drawn (one per series) and the text of every label in an SVG chart. */
function describeSvg(svg: string): { lines: number; texts: string[] } {
  expect(XMLValidator.validate(svg)).toBe(true);
  return {
    lines: svg.match(/aria-roledescription="line mark"/g)?.length ?? 0,
    texts: [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((match) => match[1] ?? ''),
  };
}

describe('writeTrainingPlots', () => {
  it('draws one line per metric in the history, and the confusion matrix with its counts', async () => {
    const history = [
      { loss: 1.2, accuracy: 0.4, val_loss: 1.1, val_accuracy: 0.5, learning_rate: 1e-3 },
      { loss: 0.8, accuracy: 0.7, val_loss: 0.9, val_accuracy: 0.6, learning_rate: 5e-4 },
      { loss: 0.5, accuracy: 0.8, val_loss: 0.7, val_accuracy: 0.75, learning_rate: 1e-4 },
    ];
    const validation = {
      classNames: ['ants', 'bees'],
      confusionMatrix: [
        [61, 9],
        [4, 79],
      ],
    } as unknown as EvaluationReport;
    const files = await writeTrainingPlots({ directory, history, validation });
    expect(files.map((file) => basename(file))).toEqual([
      'loss.svg',
      'accuracy.svg',
      'learning-rate.svg',
      'confusion-matrix.svg',
    ]);
    const read = (name: string) => readFile(join(directory, name), 'utf8').then(describeSvg);
    const loss = await read('loss.svg');
    expect(loss.lines).toBe(2);
    expect(loss.texts).toEqual(expect.arrayContaining(['loss', 'val_loss']));
    expect((await read('accuracy.svg')).lines).toBe(2);
    expect((await read('learning-rate.svg')).lines).toBe(1);
    const matrix = await readFile(join(directory, 'confusion-matrix.svg'), 'utf8');
    expect(matrix.match(/aria-roledescription="rect mark"/g)).toHaveLength(4);
    expect(describeSvg(matrix).texts).toEqual(expect.arrayContaining(['61', '9', '4', '79']));
  });

  it('leaves out charts of metrics the history lacks (no validation data)', async () => {
    const only = join(directory, 'train-only');
    await mkdir(only);
    const files = await writeTrainingPlots({
      directory: only,
      history: [
        { loss: 1, accuracy: 0.5 },
        { loss: 0.7, accuracy: 0.6 },
      ],
    });
    expect(files.map((file) => basename(file))).toEqual(['loss.svg', 'accuracy.svg']);
    expect(describeSvg(await readFile(join(only, 'loss.svg'), 'utf8')).lines).toBe(1);
  });
});

describe('renderTrainingPlots', () => {
  it('renders at once but writes nothing until asked, then what writeTrainingPlots writes', async () => {
    const history = [
      { loss: 1, accuracy: 0.5, val_loss: 1.1, val_accuracy: 0.4 },
      { loss: 0.7, accuracy: 0.6, val_loss: 0.9, val_accuracy: 0.5 },
    ];
    const later = join(directory, 'rendered-first');
    const direct = join(directory, 'written-directly');
    await Promise.all([mkdir(later), mkdir(direct)]);
    const write = renderTrainingPlots({ history });
    // The renders are under way (or done): still no file.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await readdir(later)).toEqual([]);
    const files = await write(later);
    expect(files.map((file) => basename(file))).toEqual(['loss.svg', 'accuracy.svg']);
    await writeTrainingPlots({ directory: direct, history });
    for (const name of ['loss.svg', 'accuracy.svg']) {
      expect(await readFile(join(later, name), 'utf8')).toBe(
        await readFile(join(direct, name), 'utf8'),
      );
    }
  });
});
