import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from './load-config-file.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'graft-cli-config-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, text);
  return path;
}

describe('loadConfigFile', () => {
  it('reads YAML with kebab-case keys as camelCase', async () => {
    const path = await file('a.yaml', 'batch-size: 8\nepochs: 3\nunfreeze_from: block_13\n');
    expect(await loadConfigFile(path)).toEqual({
      batchSize: 8,
      epochs: 3,
      unfreezeFrom: 'block_13',
    });
  });

  it('reads JSON', async () => {
    const path = await file('a.json', '{"lr": 0.01, "mode": "fine-tune"}');
    expect(await loadConfigFile(path)).toEqual({ lr: 0.01, mode: 'fine-tune' });
  });

  it('points at the line of a YAML syntax error', async () => {
    const path = await file('bad.yml', 'epochs: 3\nmode: [unclosed\n');
    await expect(loadConfigFile(path)).rejects.toThrow(/bad\.yml: not valid YAML at line \d+/);
  });

  it('rejects a config that is not a mapping', async () => {
    const path = await file('list.yaml', '- 1\n- 2\n');
    await expect(loadConfigFile(path)).rejects.toThrow(/must be a mapping/);
  });

  it('names a missing file', async () => {
    await expect(loadConfigFile(join(directory, 'nope.yaml'))).rejects.toMatchObject({
      code: 'ASSET_NOT_FOUND',
      message: expect.stringContaining('nope.yaml'),
    });
  });
});
