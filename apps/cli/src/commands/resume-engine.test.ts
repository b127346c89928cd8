import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess as run } from '../testing/run-in-process.js';
import { useTinyProject } from '../testing/tiny-project.js';
import { trainTinyRun } from '../testing/train-tiny-run.js';

const project = useTinyProject({ name: 'resume-engine', images: { train: 8, val: 4 } });

describe('graft resume continues on the feature engine the run used', () => {
  it('records the engine in config.json and resumes on it unless --engine says otherwise', async () => {
    const { out } = await trainTinyRun(project(), 'tfjs-run', '--engine', 'tfjs');
    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(config.engine).toBe('tfjs');
    const resumed = await run('resume', out, '--epochs', '3', '--extraction-workers', '1');
    expect(resumed.code, resumed.stderr).toBe(exitCodes.success);
    expect(resumed.stderr).toContain('engine tfjs, as the run was trained');
    // Resuming rewrote config.json with the new total; the engine stays recorded.
    expect(JSON.parse(await readFile(join(out, 'config.json'), 'utf8')).engine).toBe('tfjs');

    const overridden = await run(
      'resume',
      out,
      ...['--epochs', '4', '--extraction-workers', '1', '--engine', 'tfjs'],
    );
    expect(overridden.code, overridden.stderr).toBe(exitCodes.success);
    expect(overridden.stderr).not.toContain('as the run was trained (--engine');
  });
});
