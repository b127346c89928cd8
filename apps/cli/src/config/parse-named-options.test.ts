import { describe, expect, it } from 'vitest';
import { parseNamedOptions } from './parse-named-options.js';

const parse = (text: string) => parseNamedOptions({ argument: '--x', text, example: 'a:b=1' });

describe('parseNamedOptions', () => {
  it('reads name:key=value,… with JSON values, keeping commas inside brackets', () => {
    expect(parse('mlp')).toEqual({ name: 'mlp', options: {} });
    expect(parse(' mlp:hiddenUnits=[512,256],dropout=0.2,hiddenActivation=gelu ')).toEqual({
      name: 'mlp',
      options: { hiddenUnits: [512, 256], dropout: 0.2, hiddenActivation: 'gelu' },
    });
    expect(parse('multi-step:milestones=[10,20],gamma=1e-1')).toEqual({
      name: 'multi-step',
      options: { milestones: [10, 20], gamma: 0.1 },
    });
  });

  it('reads a JSON object with a name', () => {
    expect(parse('{"name":"mlp","hiddenUnits":[8]}')).toEqual({
      name: 'mlp',
      options: { hiddenUnits: [8] },
    });
  });

  it('names the flag, the value and the syntax on bad input', () => {
    for (const bad of ['', ':a=1', 'mlp:dropout', 'mlp:=1', '{"hiddenUnits":[8]}', '{oops']) {
      expect(() => parse(bad), bad).toThrow(
        /Argument `--x` must be a name, name:key=value,key=value \(e\.g\. a:b=1\), or a JSON object with a "name"/,
      );
    }
  });
});
