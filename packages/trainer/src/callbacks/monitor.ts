import { InvalidArgumentError } from '@graft/core';

/** Whether a monitored metric improves downwards or upwards. */
export type MonitorMode = 'min' | 'max' | 'auto';

/** `min` or `max` for `mode`; `auto` picks `max` for accuracy/F1-like names, else `min`. */
export function resolveMode(monitor: string, mode: MonitorMode = 'auto'): 'min' | 'max' {
  if (mode === 'min' || mode === 'max') return mode;
  if (mode !== 'auto') {
    throw new InvalidArgumentError({
      argument: 'mode',
      value: mode,
      expected: 'must be one of: min, max, auto',
    });
  }
  return /acc|f1|precision|recall|auc/i.test(monitor) ? 'max' : 'min';
}

/** Whether `value` beats `best` by more than `minDelta` in direction `mode`. */
export function improves(
  value: number,
  best: number | undefined,
  mode: 'min' | 'max',
  minDelta = 0,
): boolean {
  if (!Number.isFinite(value)) return false;
  if (best === undefined) return true;
  return mode === 'min' ? value < best - minDelta : value > best + minDelta;
}
