import { describe, expect, it } from 'vitest';
import { AssetNotFoundError } from './asset-not-found-error.js';
import { FileFormatError } from './file-format-error.js';
import { GraftError } from './graft-error.js';
import { InvalidArgumentError } from './invalid-argument-error.js';
import { LockedError } from './locked-error.js';
import { OutOfMemoryError } from './out-of-memory-error.js';
import { StorageError } from './storage-error.js';

describe('errors', () => {
  it('formats an invalid argument Keras-style with a stable code', () => {
    const error = new InvalidArgumentError({
      argument: 'decaySteps',
      value: 0,
      expected: 'must be > 0',
    });
    expect(error.message).toBe('Argument `decaySteps` must be > 0. Received: decaySteps=0');
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error).toBeInstanceOf(Error);
  });

  it('recognises instances by marker, also from a structurally copied class', () => {
    const error = new FileFormatError({ file: 'a.bin', problem: 'truncated: 3 of 10 bytes' });
    expect(GraftError.isInstance(error)).toBe(true);
    expect(FileFormatError.isInstance(error)).toBe(true);
    expect(InvalidArgumentError.isInstance(error)).toBe(false);
    // A second copy of the package would create its own class but the same Symbol.for marker.
    const foreign = {
      [Symbol.for('graft.error')]: true,
      [Symbol.for('graft.error.FileFormatError')]: true,
    };
    expect(FileFormatError.isInstance(foreign)).toBe(true);
    expect(GraftError.isInstance(new Error('x'))).toBe(false);
    expect(GraftError.isInstance(null)).toBe(false);
  });

  it('names the file, the places searched and where to put it', () => {
    const error = new AssetNotFoundError({
      fileName: 'w.h5',
      searched: ['/cache/keras/w.h5', '/mirror/keras/w.h5'],
      putItAt: '/cache/keras/w.h5',
      url: 'https://example.org/w.h5',
      reason: 'offline',
    });
    expect(error.message).toContain('Could not find w.h5: offline.');
    expect(error.message).toContain('Searched: /cache/keras/w.h5, /mirror/keras/w.h5.');
    expect(error.message).toContain(
      'Download https://example.org/w.h5 and put it at /cache/keras/w.h5',
    );
    expect(error.code).toBe('ASSET_NOT_FOUND');
  });

  it('keeps the cause of an out-of-memory error', () => {
    const cause = new Error('Aborted()');
    const error = new OutOfMemoryError({
      backend: 'wasm',
      during: 'a step',
      advice: 'Use micro-batches.',
      cause,
    });
    expect(error.cause).toBe(cause);
    expect(error.message).toBe(
      'The wasm backend ran out of memory during a step. Use micro-batches.',
    );
  });

  it('names the path, the reason and the remedy of a refused write', () => {
    const cause = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
    });
    const error = new StorageError({
      path: '/runs/a/model',
      reason: 'no space left on the device',
      advice: 'Free up space.',
      cause,
    });
    expect(error.message).toBe(
      'Cannot write /runs/a/model: no space left on the device. Free up space.',
    );
    expect(error.code).toBe('STORAGE');
    expect(error.path).toBe('/runs/a/model');
    expect(StorageError.isInstance(error)).toBe(true);
    expect(error.cause).toBe(cause);
  });

  it('names the locked resource and its holder', () => {
    const error = new LockedError({
      resource: '/runs/a',
      holder: 'graft train (pid 42)',
      holderPid: 42,
      advice: 'Wait for it to finish.',
    });
    expect(error.message).toBe('/runs/a is in use by graft train (pid 42). Wait for it to finish.');
    expect(error.code).toBe('LOCKED');
    expect(error.holderPid).toBe(42);
    expect(LockedError.isInstance(error)).toBe(true);
  });
});
