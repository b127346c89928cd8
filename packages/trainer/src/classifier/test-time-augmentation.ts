import { InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Classifier } from './classifier.js';
import { resizeToInput } from './resize-to-input.js';

/** View sets of {@link predictWithTestTimeAugmentation}. */
export const testTimeAugmentations = ['flip', 'flip+crops'] as const;
/** A view set: `flip` (2 views) or `flip+crops` (6 views). */
export type TestTimeAugmentation = (typeof testTimeAugmentations)[number];

/** Options of {@link predictWithTestTimeAugmentation}. */
export interface TestTimeAugmentationOptions {
  /**
   * `flip`: the image and its mirror image. `flip+crops`: those plus four corner crops (each
   * side `cropFraction` of the image), each brought back to the input size.
   */
  views: TestTimeAugmentation;
  /**
   * fastai's `beta`: weight of the plain view; the augmented views share `1 − beta` equally
   * (`lerp(mean(augmented), plain, beta)`, as `Learner.tta`). Default: every view weighs the
   * same (`1 / views`), the plain average of the probabilities.
   */
  beta?: number;
  /** Side of the corner crops as a share of the input's side, in (0, 1). Default 0.875. */
  cropFraction?: number;
}

/**
 * The views of `flip+crops`/`flip`, plain view first, each `[N, H, W, 3]` pixels at the
 * classifier's input size. Made from the image exactly as prediction sees it (the stored
 * resize policy brings it to the input size first); crops are scaled back with the same
 * resampler (interpolation, antialiasing, rounding), stretched since they keep the aspect
 * ratio. Call it inside `tf.tidy` (as {@link predictWithTestTimeAugmentation} does), which
 * releases the views and their intermediates.
 */
export function testTimeAugmentationViews(
  images: tf.Tensor4D,
  classifier: Pick<Classifier, 'metadata'>,
  options: TestTimeAugmentationOptions,
): tf.Tensor4D[] {
  checkOptions(options);
  const preprocessing = classifier.metadata.graft.preprocessing;
  const plain = resizeToInput(tf.cast(images, 'float32') as tf.Tensor4D, preprocessing);
  const views = [plain, tf.reverse(plain, 2) as tf.Tensor4D];
  if (options.views === 'flip+crops') {
    const [, height, width] = plain.shape;
    const fraction = options.cropFraction ?? 0.875;
    const cropHeight = Math.max(1, Math.round(height * fraction));
    const cropWidth = Math.max(1, Math.round(width * fraction));
    const stretch = {
      ...preprocessing,
      resize: { ...preprocessing.resize, mode: 'stretch' as const },
    };
    for (const [top, left] of [
      [0, 0],
      [0, width - cropWidth],
      [height - cropHeight, 0],
      [height - cropHeight, width - cropWidth],
    ] as const) {
      const crop = tf.slice(plain, [0, top, left, 0], [-1, cropHeight, cropWidth, 3]);
      views.push(resizeToInput(crop, stretch));
      crop.dispose();
    }
  }
  return views;
}

/**
 * Test-time augmentation (fastai's `Learner.tta` semantics): the classifier's probabilities
 * for every view of each image, averaged (`beta` weighs the plain view as fastai does). Pixels
 * in [0, 255], `[N, H, W, 3]` or one `[H, W, 3]` image, any size. The caller disposes the result.
 */
export function predictWithTestTimeAugmentation(
  classifier: Classifier,
  images: tf.Tensor3D | tf.Tensor4D,
  options: TestTimeAugmentationOptions,
): tf.Tensor2D {
  return tf.tidy(() => {
    const batch = (images.rank === 3 ? tf.expandDims(images, 0) : images) as tf.Tensor4D;
    const views = testTimeAugmentationViews(batch, classifier, options);
    const weights = viewWeights(views.length, options.beta);
    return tf.addN(
      views.map((view, index) =>
        tf.mul(classifier.predictProbabilities(view), weights[index] as number),
      ),
    ) as tf.Tensor2D;
  });
}

/** Weight of each view (plain first): equal, or fastai's `beta` for the plain one. */
export function viewWeights(views: number, beta: number | undefined): number[] {
  if (beta === undefined) return new Array<number>(views).fill(1 / views);
  return [beta, ...new Array<number>(views - 1).fill((1 - beta) / (views - 1))];
}

function checkOptions(options: TestTimeAugmentationOptions): void {
  if (!testTimeAugmentations.includes(options.views)) {
    throw new InvalidArgumentError({
      argument: 'views',
      value: options.views,
      expected: `one of ${testTimeAugmentations.join(', ')}`,
    });
  }
  const { beta, cropFraction } = options;
  if (beta !== undefined && !(beta >= 0 && beta <= 1)) {
    throw new InvalidArgumentError({
      argument: 'beta',
      value: beta,
      expected: 'a number in [0, 1]',
    });
  }
  if (cropFraction !== undefined && !(cropFraction > 0 && cropFraction < 1)) {
    throw new InvalidArgumentError({
      argument: 'cropFraction',
      value: cropFraction,
      expected: 'a number in (0, 1)',
    });
  }
}
