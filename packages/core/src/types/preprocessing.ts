/**
 * How raw RGB pixels in [0, 255] become a network's input. Travels with a backbone's weights
 * (timm's `PretrainedCfg`), is stored in a saved model's metadata, and is applied the same way
 * in training, evaluation and every downstream app: the one implementation is
 * `preprocessPixels` (resize + crop by {@link ResizePolicy}, then `normalizeImages`); the
 * document `docs/preprocessing.md` specifies it for consumers outside Graft.
 *
 * The value fed to the network is `(scaled - mean) / std`, where `scaled` maps [0, 255]
 * linearly onto `inputRange`, after reordering channels to `channelOrder`:
 * - Keras MobileNetV2: `inputRange [-1, 1]` (`x / 127.5 - 1`), mean 0, std 1, rgb.
 * - Teachable Machine: `inputRange [-1, 128 / 127]` (`x / 127 - 1`), mean 0, std 1, rgb.
 * - torchvision: `inputRange [0, 1]`, mean `[0.485, 0.456, 0.406]`, std `[0.229, 0.224, 0.225]`, rgb.
 * - Keras "caffe" ResNet: `inputRange [0, 255]`, mean `[103.939, 116.779, 123.68]`, std 1, bgr.
 */
export interface Preprocessing {
  /** Height and width the network expects, e.g. `[224, 224]`. */
  inputSize: readonly [number, number];
  /** Channel order the network expects. */
  channelOrder: 'rgb' | 'bgr';
  /** The range [0, 255] is mapped onto, before mean/std. */
  inputRange: readonly [number, number];
  /** Per-channel mean subtracted after scaling, in `channelOrder`. */
  mean: readonly [number, number, number];
  /** Per-channel standard deviation divided by after subtracting the mean, in `channelOrder`. */
  std: readonly [number, number, number];
  /** How a decoded image of any size reaches `inputSize`. */
  resize: ResizePolicy;
}

/**
 * How a decoded image reaches the network's input size. The resampling is Pillow's
 * `Image.resize` (what torchvision's `Resize` does to PIL images), reproduced bit for bit.
 */
export interface ResizePolicy {
  /**
   * `stretch`: resize the whole image to the target size (aspect ratio not kept).
   * `center-crop`: resize the shorter side to `size / cropFraction`, then take the center.
   */
  mode: 'stretch' | 'center-crop';
  /** Fraction of the resized shorter side kept by `center-crop` (timm's `crop_pct`), default 0.875. */
  cropFraction?: number;
  /** Resampling filter (Pillow's BILINEAR, BICUBIC or NEAREST). */
  interpolation: 'bilinear' | 'nearest' | 'bicubic';
  /**
   * Widen the filter by the reduction factor when shrinking (Pillow's resize, torchvision's
   * `antialias=True`), so a large photo does not alias. `false` samples with the plain filter
   * (`tf.image.resizeBilinear` with half-pixel centres). Default `true`.
   */
  antialias?: boolean;
  /**
   * How `center-crop` rounds the resized size and the window's offset.
   * `torchvision` (default): `Resize(floor(size / cropFraction))` + `CenterCrop(size)`: the
   * longer side is truncated, offsets are `round((resized - size) / 2)` half to even.
   * `teachable-machine`: `@teachablemachine/image`'s `cropTo`: both sides scaled by
   * `box / shorter` and rounded up, offsets truncated `(resized - size) / 2`.
   */
  rounding?: 'torchvision' | 'teachable-machine';
}
