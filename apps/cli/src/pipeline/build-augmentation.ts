import type { ImageAugmentation } from '@graft/core';
import { InvalidArgumentError } from '@graft/core';

/** Turns `--augment` (op names or a JSON pipeline) into an augmentation. */
export function buildAugmentation(specification: string): ImageAugmentation {
  throw new InvalidArgumentError({
    argument: '--augment',
    value: specification,
    expected: 'needs @graft/augmentation, which has not landed yet; train without --augment',
  });
}
