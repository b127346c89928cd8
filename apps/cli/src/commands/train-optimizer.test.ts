import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess as run } from '../testing/run-in-process.js';
import { testBackboneName } from '../testing/test-backbone.js';
import { useTinyProject } from '../testing/tiny-project.js';
import { trainTinyRun } from '../testing/train-tiny-run.js';

const project = useTinyProject({ name: 'optimizer', images: { train: 8, val: 4 } });

/** The saved model's weight bytes (the frozen backbone is the same in every run, so differences are the head's). */
async function savedWeights(runDirectory: string): Promise<number[]> {
  return [...(await readFile(join(runDirectory, 'model', 'weights.bin')))];
}

/** checkpoint.json of the newest checkpoint of a run. */
async function newestCheckpoint(runDirectory: string): Promise<{
  optimizer: { config: Record<string, unknown>; iterations: number };
}> {
  const directory = join(runDirectory, 'checkpoints');
  const names = (await readdir(directory)).filter((name) => name.startsWith('epoch-')).sort();
  const newest = names.at(-1);
  if (newest === undefined) throw new Error(`no checkpoint in ${directory}`);
  return JSON.parse(await readFile(join(directory, newest, 'checkpoint.json'), 'utf8'));
}

describe('graft train --optimizer', () => {
  it('trains with the named optimiser and options, and records them for resume', async () => {
    const train = async (name: string, ...extra: string[]) =>
      (await trainTinyRun(project(), name, ...extra)).out;
    const adam = await train('adam');
    const sgd = await train('sgd', '--optimizer', 'sgd');
    const momentum = await train('momentum', '--optimizer', 'sgd:momentum=0.9,nesterov=true');

    const config = JSON.parse(await readFile(join(momentum, 'config.json'), 'utf8'));
    expect(config.optimizer).toBe('sgd:momentum=0.9,nesterov=true');
    const checkpoint = await newestCheckpoint(momentum);
    expect(checkpoint.optimizer.config).toMatchObject({
      name: 'sgd',
      momentum: 0.9,
      nesterov: true,
      learningRate: 0.05,
    });
    expect((await newestCheckpoint(adam)).optimizer.config.name).toBe('adam');
    // Same seed, data and rate: only the update rule differs, so the heads differ.
    expect(await savedWeights(sgd)).not.toEqual(await savedWeights(adam));
    expect(await savedWeights(momentum)).not.toEqual(await savedWeights(sgd));
  });

  it('refuses unknown optimisers, unknown options and a learning rate, naming the valid choices', async () => {
    const attempt = (specification: string) =>
      run(
        'train',
        join(project(), 'data'),
        '--backbone',
        testBackboneName,
        '--optimizer',
        specification,
      );
    const unknown = await attempt('adamm');
    expect(unknown.code).toBe(exitCodes.usage);
    expect(unknown.stderr).toMatch(/--optimizer.*must be one of: adam, adamw, sgd/);
    const typo = await attempt('sgd:momentun=0.9');
    expect(typo.code).toBe(exitCodes.usage);
    expect(typo.stderr).toMatch(/valid options: learningRate, momentum, nesterov, weightDecay/);
    const rate = await attempt('adamw:learningRate=0.1');
    expect(rate.code).toBe(exitCodes.usage);
    expect(rate.stderr).toMatch(/--lr/);
  });
});
