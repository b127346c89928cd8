import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess as run } from '../testing/run-in-process.js';
import { testBackboneName } from '../testing/test-backbone.js';
import { useTinyProject } from '../testing/tiny-project.js';

const project = useTinyProject({ name: 'keep-best', images: { train: 8, val: 4 } });

describe('graft train --keep-best <k>', () => {
  it('keeps the k lowest-val_loss checkpoints besides the newest', async () => {
    const out = join(project(), 'run');
    const result = await run(
      'train',
      join(project(), 'data'),
      ...['--backbone', testBackboneName, '--weights', 'none', '--epochs', '8', '--lr', '3'],
      ...['--batch-size', '4', '--extraction-workers', '1'],
      ...['--keep-best', '2', '--keep-checkpoints', '1', '--out', out],
    );
    expect(result.code, result.stderr).toBe(exitCodes.success);
    const history = (await readFile(join(out, 'logs', 'history.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { epoch: number; val_loss: number });
    expect(history).toHaveLength(8);
    const bestTwo = [...history]
      .sort((a, b) => a.val_loss - b.val_loss)
      .slice(0, 2)
      .map((logs) => logs.epoch);
    const kept = (await readdir(join(out, 'checkpoints')))
      .filter((name) => name.startsWith('epoch-'))
      .map((name) => Number(name.slice('epoch-'.length)))
      .sort((a, b) => a - b);
    expect(kept).toEqual([...new Set([...bestTwo, 8])].sort((a, b) => a - b));
    const index = JSON.parse(await readFile(join(out, 'checkpoints', 'checkpoints.json'), 'utf8'));
    expect(index.monitor).toBe('val_loss');
    // The report names the engine that computed the frozen features (auto: ONNX Runtime here).
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(report.featureEngine).toMatchObject({ name: 'onnxruntime' });
    // Every run directory gets its charts.
    expect((await readdir(join(out, 'plots'))).sort()).toEqual([
      'accuracy.svg',
      'confusion-matrix.svg',
      'learning-rate.svg',
      'loss.svg',
      'reliability.svg',
    ]);
  });
});
