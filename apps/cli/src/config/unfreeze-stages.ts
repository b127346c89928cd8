import { InvalidArgumentError } from '@graft/core';
import type { UnfreezeStage } from '@graft/trainer';
import { splitTopLevel } from './parse-named-options.js';

const example = '2:block_16,4:block_13,6:all';

/**
 * Parses `--unfreeze-stages`: `<epochs done>:<stage>` items, e.g. `2:block_16,4:block_13,6:all`
 * (after 2 epochs train from block_16, after 4 from block_13, after 6 everything; the head
 * alone before). `all` is the whole backbone. Epochs must increase and stay below `epochs`.
 */
export function parseUnfreezeStages(text: string, epochs: number): UnfreezeStage[] {
  const items = splitTopLevel(text, ',');
  const stages = items.map((item): UnfreezeStage => {
    const [epochText = '', from = ''] = item.split(':').map((part) => part.trim());
    const epoch = Number(epochText);
    if (!/^\d+$/.test(epochText) || from === '') {
      throw new InvalidArgumentError({
        argument: '--unfreeze-stages',
        value: text,
        expected: `must list <epochs done>:<stage or all> items, e.g. ${example}`,
      });
    }
    return from === 'all' ? { epoch } : { epoch, unfreezeFrom: from };
  });
  let previous = 0;
  for (const stage of stages) {
    if (stage.epoch <= previous || stage.epoch >= epochs) {
      throw new InvalidArgumentError({
        argument: '--unfreeze-stages',
        value: text,
        expected: `must give epochs that increase from above 0 and stay below --epochs (${epochs}, the whole run's)`,
      });
    }
    previous = stage.epoch;
  }
  if (stages.length === 0) {
    throw new InvalidArgumentError({
      argument: '--unfreeze-stages',
      value: text,
      expected: `must list at least one stage, e.g. ${example}`,
    });
  }
  return stages;
}
