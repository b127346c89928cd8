import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { withInterruptSignal } from './interrupt-signal.js';

describe('withInterruptSignal', () => {
  it('aborts the signal on SIGINT and removes its listeners afterwards', async () => {
    const target = new EventEmitter();
    let told = 0;
    const result = await withInterruptSignal(
      async (signal) => {
        expect(signal.aborted).toBe(false);
        target.emit('SIGINT');
        return signal.aborted;
      },
      { target: target as unknown as NodeJS.Process, onInterrupt: () => told++ },
    );
    expect(result).toBe(true);
    expect(told).toBe(1);
    expect(target.listenerCount('SIGINT')).toBe(0);
    expect(target.listenerCount('SIGTERM')).toBe(0);
  });

  it('tells which signal arrived, so SIGTERM is not reported as Ctrl-C', async () => {
    const target = new EventEmitter();
    const told: string[] = [];
    const reason = await withInterruptSignal(
      async (signal) => {
        target.emit('SIGTERM');
        return (signal.reason as Error).message;
      },
      {
        target: target as unknown as NodeJS.Process,
        onInterrupt: (signal) => told.push(signal),
      },
    );
    expect(told).toEqual(['SIGTERM']);
    expect(reason).toBe('interrupted (SIGTERM)');
  });
});
