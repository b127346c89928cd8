import { InvalidArgumentError } from '@graft/core';
import type { ImageFile } from './scan-image-folder.js';

/** A multi-label dataset needs every file's `labelSet`, each index naming a class. */
export function checkLabelSets(files: readonly ImageFile[], numClasses: number): void {
  for (const file of files) {
    const valid = file.labelSet?.every(
      (label) => Number.isInteger(label) && label >= 0 && label < numClasses,
    );
    if (valid !== true) {
      throw new InvalidArgumentError({
        argument: 'files[].labelSet',
        value: file.labelSet,
        expected: `must list label indices in [0, ${numClasses - 1}] for every file of a multiLabel dataset (${file.path})`,
      });
    }
  }
}
