import { describe, expect, it } from 'vitest';
import { demoConfigFrom, demoReplacesRun } from './demo.js';

describe('demoConfigFrom', () => {
  it('uses the demo recipe and reports the last epoch despite commander defaults', async () => {
    // What commander passes when no flag is given: keepBest true (from --no-keep-best).
    const config = await demoConfigFrom('/data/hymenoptera', { keepBest: true, epochs: undefined });
    expect(config).toMatchObject({
      data: '/data/hymenoptera',
      backbone: 'mobilenet_v2_1.0_224',
      mode: 'feature-extraction',
      epochs: 20,
      learningRate: 0.003,
      keepBest: false,
    });
  });

  it('lets flags override the recipe', async () => {
    const config = await demoConfigFrom('/data', {
      epochs: '5',
      backbone: 'mobilenet_v2_0.35_224',
    });
    expect(config.epochs).toBe(5);
    expect(config.backbone).toBe('mobilenet_v2_0.35_224');
  });
});

describe('demoReplacesRun', () => {
  it('replaces its own runs/demo (pnpm demo works every time), a chosen --out only with --overwrite', () => {
    expect(demoReplacesRun({ keepBest: true })).toBe(true);
    expect(demoReplacesRun({ out: 'runs/mine' })).toBe(false);
    expect(demoReplacesRun({ out: 'runs/mine', overwrite: true })).toBe(true);
  });
});
