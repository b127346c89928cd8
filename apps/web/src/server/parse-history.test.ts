import { describe, expect, it } from 'vitest';
import { parseHistory } from './parse-history.js';

describe('parseHistory', () => {
  it("reads the trainer's jsonLinesLogger layout: epochs kept, batch lines ignored, end seen", () => {
    const text = [
      '{"event":"batch","epoch":0,"batch":0,"loss":2}',
      '{"event":"epoch","epoch":0,"step":4,"time":"2026-01-01T00:00:00Z","loss":1.5,"accuracy":0.5,"learning_rate":0.01}',
      '{"event":"epoch","epoch":1,"step":8,"loss":1.1,"accuracy":0.6,"learning_rate":0.005}',
      '{"event":"end","epoch":2,"step":8,"loss":1.1}',
    ].join('\n');
    const history = parseHistory(text);
    expect(history.epochs).toEqual([
      { epoch: 0, metrics: { loss: 1.5, accuracy: 0.5, learning_rate: 0.01 } },
      { epoch: 1, metrics: { loss: 1.1, accuracy: 0.6, learning_rate: 0.005 } },
    ]);
    expect(history.finished).toBe(true);
    expect(history.skippedLines).toBe(0);
  });

  it('counts malformed lines and keeps going; an empty log has no epochs', () => {
    expect(parseHistory('')).toEqual({ epochs: [], skippedLines: 0, finished: false });
    const history = parseHistory('null\n"text"\n{"epoch":"one"}\n{"epoch":1,"loss":0.5}\n{"epo');
    expect(history.epochs).toEqual([{ epoch: 1, metrics: { loss: 0.5 } }]);
    expect(history.skippedLines).toBe(4);
  });
});
