import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess as run } from '../testing/run-in-process.js';

// In-process runs of `graft distill` and `graft train --coral-target` on a few real ants/bees
// images with MobileNetV2 0.35 from the shared mirror (features of 16 images: seconds on wasm).
const shared = process.env.GRAFT_SHARED_DIR ?? '';
let directory: string;
let data: string;

const common = [
  '--backbone',
  'mobilenet_v2_0.35_224',
  '--epochs',
  '3',
  '--batch-size',
  '4',
  '--extraction-workers',
  '1',
];

async function historyOf(run: string): Promise<Array<Record<string, number>>> {
  return (await readFile(join(run, 'logs', 'history.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

beforeAll(async () => {
  process.env.GRAFT_MIRROR = join(shared, 'weights');
  process.env.GRAFT_OFFLINE = '1';
  directory = await mkdtemp(join(tmpdir(), 'graft-distill-'));
  data = join(directory, 'data');
  for (const split of ['train', 'val']) {
    for (const className of ['ants', 'bees']) {
      const from = join(shared, 'data', 'hymenoptera', split, className);
      const files = (await readdir(from)).filter((name) => name.endsWith('.jpg')).sort();
      await mkdir(join(data, split, className), { recursive: true });
      for (const name of files.slice(0, 4)) {
        await copyFile(join(from, name), join(data, split, className, name));
      }
    }
  }
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('graft distill and graft train --coral-target', () => {
  it('distills a student from a teacher run and records the loss terms', async () => {
    const teacher = join(directory, 'teacher');
    const trained = await run('--json', 'train', data, ...common, '--out', teacher);
    expect(trained.code, trained.stderr).toBe(exitCodes.success);
    const student = join(directory, 'student');
    const distilled = await run(
      '--json',
      'distill',
      data,
      '--teacher',
      teacher,
      '--temperature',
      '3',
      '--alpha',
      '0.7',
      ...common,
      '--out',
      student,
    );
    expect(distilled.code, distilled.stderr).toBe(exitCodes.success);
    expect(JSON.parse(distilled.stdout).validation.accuracy).toBeGreaterThanOrEqual(0);
    const metadata = JSON.parse(await readFile(join(student, 'model', 'metadata.json'), 'utf8'));
    expect(metadata.graft.training.lossTerms).toEqual([
      expect.objectContaining({ kind: 'distillation', temperature: 3, alpha: 0.7 }),
    ]);
    const history = await historyOf(student);
    expect(history).toHaveLength(3);
    for (const logs of history) {
      expect(logs.distillation_loss).toBeGreaterThanOrEqual(0);
      expect(logs.loss).toBeCloseTo(
        0.3 * (logs.hard_loss ?? Number.NaN) + 0.7 * (logs.distillation_loss ?? Number.NaN),
        4,
      );
    }
    // `graft resume` keeps distilling: the teacher comes back from config.json.
    const resumed = await run('--json', 'resume', student, '--epochs', '5');
    expect(resumed.code, resumed.stderr).toBe(exitCodes.success);
    const continued = await historyOf(student);
    expect(continued).toHaveLength(5);
    for (const logs of continued.slice(3)) {
      expect(logs.distillation_loss).toBeGreaterThanOrEqual(0);
      expect(logs.loss).toBeCloseTo(
        0.3 * (logs.hard_loss ?? Number.NaN) + 0.7 * (logs.distillation_loss ?? Number.NaN),
        4,
      );
    }
  });

  it('trains with a CORAL term on an unlabelled folder', async () => {
    const out = join(directory, 'coral');
    const result = await run(
      '--json',
      'train',
      data,
      ...common,
      '--coral-target',
      join(data, 'val'),
      '--coral-weight',
      '5',
      '--out',
      out,
    );
    expect(result.code, result.stderr).toBe(exitCodes.success);
    const history = await historyOf(out);
    expect(history[0]?.coral_loss).toBeGreaterThan(0);
    const metadata = JSON.parse(await readFile(join(out, 'model', 'metadata.json'), 'utf8'));
    expect(metadata.graft.training.lossTerms).toEqual([
      { kind: 'coral', weight: 5, layer: 'logits', targetImages: 8 },
    ]);
  });

  it('names what is wrong with the flags', async () => {
    const missing = await run('distill', data, '--teacher', join(directory, 'nowhere'), ...common);
    expect(missing.code).not.toBe(exitCodes.success);
    expect(missing.stderr).toMatch(/metadata\.json/);
    const weightOnly = await run('train', data, ...common, '--coral-weight', '2');
    expect(weightOnly.code).toBe(exitCodes.usage);
    expect(weightOnly.stderr).toMatch(/--coral-target/);
    const noTeacher = await run('distill', data, ...common);
    expect(noTeacher.code).toBe(exitCodes.usage);
    expect(noTeacher.stderr).toMatch(/--teacher/);
  });
});
