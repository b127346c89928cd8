import type { WeightProvenance } from '@graft/backbones';
import { FileFormatError } from '@graft/core';

/** The part of config.json's `backboneWeights` that identifies the weights. */
export type RecordedWeights = Pick<WeightProvenance, 'location' | 'sha256'>;

/** Resuming must train the weights the run started from: a changed file would silently differ. */
export function checkSameWeights(options: {
  recorded: RecordedWeights | null;
  loaded: WeightProvenance | null;
}): void {
  const { recorded, loaded } = options;
  if (recorded?.sha256 === loaded?.sha256) return;
  throw new FileFormatError({
    file: loaded?.location ?? recorded?.location ?? 'backbone weights',
    problem: `has sha256 ${loaded?.sha256 ?? '(random weights)'}, but the run started from ${recorded ? `${recorded.location} with sha256 ${recorded.sha256}` : 'random weights'} (config.json); resuming would train different weights. Restore that file or start a new run`,
  });
}
