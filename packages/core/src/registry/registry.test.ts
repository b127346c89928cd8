import { describe, expect, it, vi } from 'vitest';
import { UnknownNameError } from '../errors/unknown-name-error.js';
import { Registry } from './registry.js';

describe('Registry', () => {
  it('shares entries between two instances of the same kind (global key)', () => {
    const first = new Registry<number>({ kind: 'test-shared' });
    const second = new Registry<number>({ kind: 'test-shared' });
    first.register('a', 1);
    expect(second.get('a')).toBe(1);
    expect(second.names()).toEqual(['a']);
  });

  it('warns on a duplicate registration and replaces the entry', () => {
    const warn = vi.fn();
    const registry = new Registry<number>({ kind: 'test-duplicate', warn });
    registry.register('a', 1);
    registry.register('a', 2);
    expect(warn).toHaveBeenCalledOnce();
    expect(warn.mock.calls[0]?.[0]).toContain('"a" is already registered');
    expect(registry.get('a')).toBe(2);
    registry.register('a', 3, { override: true });
    expect(warn).toHaveBeenCalledOnce();
  });

  it('throws for an unknown name, listing the valid ones and a suggestion', () => {
    const registry = new Registry<number>({ kind: 'test-unknown' });
    registry.register('mobilenet_v2', 1);
    registry.register('resnet18', 2);
    let caught: unknown;
    try {
      registry.get('resnet19');
    } catch (error) {
      caught = error;
    }
    expect(UnknownNameError.isInstance(caught)).toBe(true);
    const error = caught as UnknownNameError;
    expect(error.code).toBe('UNKNOWN_NAME');
    expect(error.message).toBe(
      'Unknown test-unknown "resnet19". Did you mean "resnet18"? Valid test-unknown names: mobilenet_v2, resnet18',
    );
    expect(error.validNames).toEqual(['mobilenet_v2', 'resnet18']);
  });

  it('filters names with wildcards, sorted', () => {
    const registry = new Registry<number>({ kind: 'test-filter' });
    for (const name of ['resnet50', 'mobilenet_v2_1.0', 'mobilenet_v2_0.35', 'resnet18'])
      registry.register(name, 0);
    expect(registry.names('mobilenet*')).toEqual(['mobilenet_v2_0.35', 'mobilenet_v2_1.0']);
    expect(registry.names('*50')).toEqual(['resnet50']);
    expect(registry.entries().map(([name]) => name)).toEqual([
      'mobilenet_v2_0.35',
      'mobilenet_v2_1.0',
      'resnet18',
      'resnet50',
    ]);
  });

  it('rejects an empty name and supports unregister', () => {
    const registry = new Registry<number>({ kind: 'test-misc' });
    expect(() => registry.register('', 1)).toThrow(/non-empty string/);
    registry.register('x', 1);
    expect(registry.unregister('x')).toBe(true);
    expect(registry.has('x')).toBe(false);
  });
});
