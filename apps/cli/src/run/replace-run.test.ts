import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareRunOutput } from './replace-run.js';

describe('prepareRunOutput', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'graft-replace-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  async function oldRun(name: string): Promise<string> {
    const root = join(directory, name);
    await mkdir(join(root, 'model'), { recursive: true });
    await writeFile(join(root, 'config.json'), '{"graftVersion":"0.0.0","old":true}\n');
    await writeFile(join(root, 'model', 'weights.bin'), 'old weights');
    return root;
  }

  it('accepts a missing or empty folder', async () => {
    const missing = await prepareRunOutput({ root: join(directory, 'new'), overwrite: false });
    expect(missing.previous).toBeUndefined();
    await mkdir(join(directory, 'empty'));
    const empty = await prepareRunOutput({ root: join(directory, 'empty'), overwrite: false });
    expect(empty.previous).toBeUndefined();
  });

  it('refuses an existing run without --overwrite, naming the folder and the flag', async () => {
    const root = await oldRun('refused');
    await expect(prepareRunOutput({ root, overwrite: false })).rejects.toThrow(
      `Argument \`--out\` already holds a run: pass --overwrite to replace it`,
    );
    await expect(prepareRunOutput({ root, overwrite: false })).rejects.toThrow(root);
    expect(await readFile(join(root, 'config.json'), 'utf8')).toBe(
      '{"graftVersion":"0.0.0","old":true}\n',
    );
  });

  it('never replaces a folder that is not a run, even with --overwrite', async () => {
    const root = join(directory, 'documents');
    await mkdir(root);
    await writeFile(join(root, 'thesis.txt'), 'precious');
    await expect(prepareRunOutput({ root, overwrite: true })).rejects.toThrow(
      'is a non-empty folder that is not a graft run',
    );
  });

  it('starts anew over a run that never saved a checkpoint (nothing to resume)', async () => {
    const root = join(directory, 'unstarted');
    await mkdir(join(root, 'checkpoints'), { recursive: true });
    await mkdir(join(root, 'logs'));
    await writeFile(join(root, 'config.json'), '{"graftVersion":"0.0.0"}\n');
    const output = await prepareRunOutput({ root, overwrite: false });
    expect(output.replacedUnstarted).toBe(true);
    expect(await readdir(directory)).not.toContain('unstarted');
  });

  it("never replaces another tool's folder with a config.json, even with --overwrite", async () => {
    const root = join(directory, 'project');
    await mkdir(join(root, 'checkpoints'), { recursive: true });
    await writeFile(join(root, 'config.json'), '{"name":"my project"}\n');
    await expect(prepareRunOutput({ root, overwrite: true })).rejects.toThrow(
      'is a non-empty folder that is not a graft run',
    );
    expect(await readdir(root)).toEqual(['checkpoints', 'config.json']);
  });

  it('moves the old run aside whole and deletes it only on commit', async () => {
    const root = await oldRun('replaced');
    const output = await prepareRunOutput({ root, overwrite: true });
    expect(output.previous).toBe(join(directory, `.replaced.previous-${process.pid}`));
    expect(await readdir(directory)).not.toContain('replaced');
    expect(await readFile(join(output.previous ?? '', 'model', 'weights.bin'), 'utf8')).toBe(
      'old weights',
    );
    await mkdir(root);
    await writeFile(join(root, 'config.json'), '{"new":true}\n');
    await output.commit();
    expect((await readdir(directory)).filter((name) => name.includes('replaced'))).toEqual([
      'replaced',
    ]);
    expect(await readdir(root)).toEqual(['config.json']);
  });

  it('puts the old run back when the new one fails, and lists leftovers of killed overwrites', async () => {
    const root = await oldRun('restored');
    await mkdir(join(directory, '.restored.previous-1'));
    const output = await prepareRunOutput({ root, overwrite: true });
    expect(output.leftovers).toEqual([join(directory, '.restored.previous-1')]);
    await mkdir(root);
    await writeFile(join(root, 'config.json'), '{"new":true}\n');
    await output.restore();
    expect(await readFile(join(root, 'config.json'), 'utf8')).toBe(
      '{"graftVersion":"0.0.0","old":true}\n',
    );
    expect(await readFile(join(root, 'model', 'weights.bin'), 'utf8')).toBe('old weights');
  });
});
