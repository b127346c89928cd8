import { describe, expect, it } from 'vitest';
import {
  buildLoss,
  classWeightSetting,
  parseClassWeightSpecification,
  parseLossSpecification,
} from './loss-options.js';

describe('loss options', () => {
  it('reads --loss in the shared name:key=value syntax and as a config-file object', () => {
    expect(buildLoss('--loss', 'focal:gamma=3,alpha=[0.25,0.75]').getConfig()).toEqual({
      name: 'focal',
      gamma: 3,
      alpha: [0.25, 0.75],
    });
    expect(parseLossSpecification('--loss', { name: 'focal', gamma: 1 })).toBe(
      '{"name":"focal","gamma":1}',
    );
    expect(() => buildLoss('--loss', 'focal:gama=2')).toThrow(/--loss.*gamma, alpha/s);
    expect(() => buildLoss('--loss', 'focal:gamma=-1')).toThrow(/--loss.*gamma/s);
  });

  it('reads --class-weight as balanced, class=weight pairs or a JSON object', () => {
    const classes = ['ants', 'bees'];
    expect(classWeightSetting('--class-weight', 'balanced', classes)).toBe('balanced');
    expect(classWeightSetting('--class-weight', 'ants=1,bees=4', classes)).toEqual({
      ants: 1,
      bees: 4,
    });
    const text = parseClassWeightSpecification('--class-weight', { bees: 2.5 });
    expect(classWeightSetting('--class-weight', text, classes)).toEqual({ bees: 2.5 });
    expect(() => parseClassWeightSpecification('--class-weight', 'bees')).toThrow(
      /balanced, or class=weight pairs/,
    );
    expect(() => parseClassWeightSpecification('--class-weight', 'bees=many')).toThrow(/bees=many/);
    expect(() => classWeightSetting('--class-weight', 'wasps=2', classes)).toThrow(
      /classes: ants, bees.*wasps/s,
    );
  });
});
