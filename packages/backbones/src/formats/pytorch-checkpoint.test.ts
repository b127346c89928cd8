import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFormatError } from '@graft/core';
import { afterAll, describe, expect, it } from 'vitest';
import { hasTorchvision, referencePython } from '../torchvision/torchvision-reference.js';
import { detectWeightFormat } from './detect-weight-format.js';
import { parsePyTorchCheckpoint } from './pytorch-checkpoint.js';

// Checkpoints written by torch.save itself (Debian's python3-torch), read back without Python.
const available = hasTorchvision();
const required = process.env.CI === 'true';

const script = `
import sys, torch
base = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4) / 8 - 1
state = {
    "conv.weight": torch.nn.Parameter(base.clone()),
    # A non-contiguous view (transposed) and a view at an offset into a shared storage.
    "transposed": base.transpose(0, 2),
    "offset": base.flatten()[5:11],
    "half": (base * 3).half(),
    "bfloat": (base - 0.5).bfloat16(),
    "bn.num_batches_tracked": torch.tensor(7),
}
torch.save(state, sys.argv[1])
class Evil:
    def __reduce__(self):
        return (print, ("executed",))
torch.save({"x": Evil()}, sys.argv[2])
`;

describe.runIf(available || required)('parsePyTorchCheckpoint (torch.save files)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'graft-pth-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const good = join(directory, 'state.pth');
  const evil = join(directory, 'evil.pth');
  execFileSync(referencePython, ['-c', script, good, evil]);
  const expected = Array.from({ length: 24 }, (_, index) => index / 8 - 1);

  it('reads parameters, strided and offset views, F16, BF16 and I64 with their shapes', () => {
    const bytes = readFileSync(good);
    expect(detectWeightFormat(bytes.subarray(0, 4096))).toBe('pytorch');
    const file = parsePyTorchCheckpoint({ bytes, file: 'state.pth' });
    expect([...file.entries.keys()].sort()).toEqual(
      ['bfloat', 'bn.num_batches_tracked', 'conv.weight', 'half', 'offset', 'transposed'].sort(),
    );
    const weight = file.read('conv.weight');
    expect(weight.shape).toEqual([2, 3, 4]);
    expect(Array.from(weight.values)).toEqual(expected);
    const transposed = file.read('transposed');
    expect(transposed.shape).toEqual([4, 3, 2]);
    // transposed[k][j][i] = base[i][j][k] = (12i + 4j + k) / 8 − 1.
    expect(transposed.values[1 * 6 + 2 * 2 + 1]).toBe((12 + 8 + 1) / 8 - 1);
    expect(Array.from(file.read('offset').values)).toEqual(expected.slice(5, 11));
    expect(Array.from(file.read('half').values)).toEqual(expected.map((value) => value * 3));
    expect(Array.from(file.read('bfloat').values)).toEqual(expected.map((value) => value - 0.5));
    expect(file.read('bn.num_batches_tracked')).toMatchObject({ dtype: 'int32', shape: [] });
    expect(Array.from(file.read('bn.num_batches_tracked').values)).toEqual([7]);
  });

  it('refuses a pickle that calls anything but tensor rebuilding, and a truncated file', () => {
    expect(() => parsePyTorchCheckpoint({ bytes: readFileSync(evil), file: 'evil.pth' })).toThrow(
      /__builtin__\.print.*refused|builtins\.print.*refused/,
    );
    const bytes = readFileSync(good);
    expect(() =>
      parsePyTorchCheckpoint({ bytes: bytes.subarray(0, bytes.byteLength - 100), file: 'cut.pth' }),
    ).toThrow(FileFormatError);
  });
});
