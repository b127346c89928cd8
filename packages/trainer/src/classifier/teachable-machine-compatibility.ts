import {
  normalizationConstants,
  type Preprocessing,
  resolvePreprocessing,
  teachableMachinePreprocessing,
} from '@graft/core';

/** What `@teachablemachine/image` would do differently from a model's own preprocessing. */
export interface TeachableMachineCompatibility {
  /** `true` when Teachable Machine's loader feeds the model exactly what it expects. */
  reproducible: boolean;
  /** Each way it differs, in words a user can act on (empty when reproducible). */
  differences: string[];
}

// @teachablemachine/image 0.8.5 (utils/tf.ts `capture`): x / 127 - 1, as core defines it.
const teachableMachine = normalizationConstants(teachableMachinePreprocessing());

/**
 * Compares `preprocessing` with what `@teachablemachine/image` 0.8.5 applies to every image it
 * predicts: `cropTo` (shorter side scaled to `imageSize`, both sides rounded up, centre square,
 * drawn on a canvas), then `x / 127 - 1` in RGB. A model trained with anything else (ImageNet
 * mean/std, a 0.875 crop, a non-square input, BGR) gets other inputs from Teachable Machine's
 * loader than it was trained on, and its predictions there differ from Graft's.
 */
export function teachableMachineCompatibility(
  preprocessing: Preprocessing,
): TeachableMachineCompatibility {
  const resolved = resolvePreprocessing(preprocessing);
  const differences: string[] = [];
  const [height, width] = resolved.inputSize;
  if (height !== width) {
    differences.push(
      `input is ${height}x${width}; Teachable Machine feeds a square of metadata.imageSize`,
    );
  }
  if (resolved.channelOrder !== 'rgb') {
    differences.push('the model expects BGR channels; Teachable Machine feeds RGB');
  }
  const { multiplier, offset } = normalizationConstants(resolved);
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
  const sameNormalisation = [0, 1, 2].every(
    (channel) =>
      close(multiplier[channel] as number, teachableMachine.multiplier[channel] as number) &&
      close(offset[channel] as number, teachableMachine.offset[channel] as number),
  );
  if (!sameNormalisation) {
    differences.push(
      `the model expects ${describeNormalisation(resolved)}; Teachable Machine feeds x / 127 - 1`,
    );
  }
  const { resize } = resolved;
  if (resize.mode !== 'center-crop' || resize.cropFraction !== 1) {
    differences.push(
      resize.mode === 'stretch'
        ? 'the model was trained on whole images stretched to the input size; Teachable Machine crops the centre square'
        : `the model was trained on the centre ${(resize.cropFraction * 100).toFixed(1)} % of the shorter side; Teachable Machine keeps the whole centre square`,
    );
  } else if (resize.rounding !== 'teachable-machine') {
    differences.push(
      "the crop is placed by torchvision's rounding; Teachable Machine rounds sizes up and offsets down (up to one pixel apart)",
    );
  }
  return { reproducible: differences.length === 0, differences };
}

/** `x / 127.5 - 1`, `(x / 255 - mean) / std`, … as a short formula. */
function describeNormalisation(preprocessing: ReturnType<typeof resolvePreprocessing>): string {
  const [low, high] = preprocessing.inputRange;
  const range = `x mapped from [0, 255] to [${low}, ${high}]`;
  const identity =
    preprocessing.mean.every((value) => value === 0) &&
    preprocessing.std.every((value) => value === 1);
  return identity
    ? range
    : `${range}, minus mean [${preprocessing.mean.join(', ')}], divided by std [${preprocessing.std.join(', ')}]`;
}
