import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatCudaProbe, probeCuda } from './probe-cuda.js';

describe('probeCuda', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });

  it('finds libraries in the loader cache and in /usr/local/cuda*, and names the missing ones', async () => {
    const root = mkdtempSync(join(tmpdir(), 'graft-cuda-'));
    roots.push(root);
    mkdirSync(join(root, 'usr/local/cuda-11.8/lib64'), { recursive: true });
    writeFileSync(join(root, 'usr/local/cuda-11.8/lib64/libcudart.so.11.0'), '');
    const probe = await probeCuda({
      root,
      env: {},
      ldconfigOutput:
        '\tlibcudnn.so.8 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcudnn.so.8\n' +
        '\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1\n',
    });
    const found = Object.fromEntries(
      probe.libraries.map((library) => [library.soname, library.foundAt]),
    );
    expect(found['libcudart.so.11.0']).toBe('/usr/local/cuda-11.8/lib64/libcudart.so.11.0');
    expect(found['libcudnn.so.8']).toBe('/usr/lib/x86_64-linux-gnu/libcudnn.so.8');
    expect(found['libcublas.so.11']).toBeUndefined();
    expect(probe.complete).toBe(false);
    expect(probe.driver).toBe(true);
    const lines = formatCudaProbe(probe);
    expect(lines[0]).toContain('incomplete; NVIDIA driver found');
    expect(lines.find((line) => line.includes('libcublas.so.11'))).toContain('MISSING');
  });

  it('searches LD_LIBRARY_PATH', async () => {
    const root = mkdtempSync(join(tmpdir(), 'graft-cuda-'));
    roots.push(root);
    mkdirSync(join(root, 'opt/libs'), { recursive: true });
    writeFileSync(join(root, 'opt/libs/libcudnn.so.8'), '');
    const probe = await probeCuda({
      root,
      env: { LD_LIBRARY_PATH: '/nowhere:/opt/libs' },
      ldconfigOutput: '',
    });
    expect(probe.libraries.find((library) => library.soname === 'libcudnn.so.8')?.foundAt).toBe(
      '/opt/libs/libcudnn.so.8',
    );
    expect(probe.searched.slice(0, 2)).toEqual(['/nowhere', '/opt/libs']);
    expect(probe.driver).toBe(false);
  });

  it('runs against this machine without throwing', async () => {
    const probe = await probeCuda();
    expect(probe.libraries).toHaveLength(8);
    // This machine has no GPU: whatever it finds, the report must be consistent.
    expect(probe.complete).toBe(probe.libraries.every((library) => library.foundAt !== undefined));
  });
});
