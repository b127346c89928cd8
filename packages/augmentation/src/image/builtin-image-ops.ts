import { composeDescriptor } from './compose.js';
import type { ImageOpDescriptor } from './image-op.js';
import { centerCropDescriptor } from './ops/center-crop.js';
import { colorJitterDescriptor } from './ops/color-jitter.js';
import { cutmixDescriptor } from './ops/cutmix.js';
import { gaussianBlurDescriptor } from './ops/gaussian-blur.js';
import { mixupDescriptor } from './ops/mixup.js';
import { normalizeDescriptor } from './ops/normalize.js';
import { randAugmentDescriptor } from './ops/rand-augment.js';
import { randomCropDescriptor } from './ops/random-crop.js';
import { randomErasingDescriptor } from './ops/random-erasing.js';
import { randomFlipDescriptor } from './ops/random-flip.js';
import { randomGrayscaleDescriptor } from './ops/random-grayscale.js';
import { randomResizedCropDescriptor } from './ops/random-resized-crop.js';
import { randomRotationDescriptor } from './ops/random-rotation.js';
import { randomTranslationDescriptor } from './ops/random-translation.js';
import { randomZoomDescriptor } from './ops/random-zoom.js';
import { resizeDescriptor } from './ops/resize.js';
import { randomApplyDescriptor } from './random-apply.js';

/** Every op this package ships, registered on first use of the registry. */
export function builtinImageOps(): ImageOpDescriptor[] {
  return [
    centerCropDescriptor,
    colorJitterDescriptor,
    composeDescriptor,
    cutmixDescriptor,
    gaussianBlurDescriptor,
    mixupDescriptor,
    normalizeDescriptor,
    randAugmentDescriptor,
    randomApplyDescriptor,
    randomCropDescriptor,
    randomErasingDescriptor,
    randomFlipDescriptor,
    randomGrayscaleDescriptor,
    randomResizedCropDescriptor,
    randomRotationDescriptor,
    randomTranslationDescriptor,
    randomZoomDescriptor,
    resizeDescriptor,
  ];
}
