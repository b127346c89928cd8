import { InvalidArgumentError, type RgbPixels, resizeImage } from '@graft/core';
import type { ImageDecoder } from '@graft/datasets';
import {
  type Classifier,
  type ClassifierMetadata,
  type Prediction,
  type PredictOptions,
  rankPredictions,
} from '@graft/trainer';
import type * as tf from '@tensorflow/tfjs-core';
import { type ClassifierInput, inputKind, rgbOfImageData } from './classifier-input.js';
import { type PixelEngine, tfjsPixelEngine } from './pixel-engine.js';

/** Options of {@link ImageClassifier.classify}. */
export interface ClassifyOptions extends PredictOptions {}

/** Options of the {@link ImageClassifier} constructor. */
export interface ImageClassifierOptions {
  /**
   * The loaded tfjs classifier (its model and metadata); owned (disposed) by the image
   * classifier. Give this or `engine`.
   */
  classifier?: Classifier;
  /** Another engine running the model (e.g. ONNX Runtime: `onnxPixelEngine`); owned. */
  engine?: PixelEngine;
  /**
   * Turns encoded bytes into RGB pixels at their own size (`decodePixels` of
   * `@graft/datasets/node` in Node, `decodeInBrowser` in a browser); `name` is used in errors.
   */
  decode: ImageDecoder;
}

/**
 * A classifier for app code: encoded bytes, canvas pixels or a tensor in, labels with
 * probabilities out, with exactly the model's preprocessing from its `metadata.json`: decoded
 * like the training files (EXIF orientation, alpha dropped), resized by `resizeImage` of
 * `@graft/core` with the stored policy (Pillow's resize, crop), then normalised by the
 * classifier. Calibration (temperature scaling) is already in the saved weights.
 */
export class ImageClassifier {
  /** The tfjs classifier (model + metadata) when the engine is tfjs; undefined for ONNX. */
  readonly classifier: Classifier | undefined;
  /** What runs the model. */
  readonly engine: PixelEngine;
  private readonly decode: ImageDecoder;

  constructor(options: ImageClassifierOptions) {
    if ((options.classifier === undefined) === (options.engine === undefined)) {
      throw new InvalidArgumentError({
        argument: 'options',
        value: `${options.classifier ? 'classifier and engine' : 'neither classifier nor engine'}`,
        expected: 'must give exactly one of `classifier` (tfjs) or `engine`',
      });
    }
    this.classifier = options.classifier;
    this.engine = options.engine ?? tfjsPixelEngine(options.classifier as Classifier);
    this.decode = options.decode;
  }

  /** The saved metadata: labels, preprocessing, calibration, backbone. */
  get metadata(): ClassifierMetadata {
    return this.engine.metadata;
  }

  /** Class names in output order. */
  get labels(): readonly string[] {
    return this.engine.metadata.labels;
  }

  /** A multi-label (sigmoid) model's decision threshold (0.5 when unset); else undefined. */
  get threshold(): number | undefined {
    const graft = this.engine.metadata.graft;
    return graft.activation === 'sigmoid' ? (graft.threshold ?? 0.5) : undefined;
  }

  /** `[height, width]` the model's input has; every image is brought to it. */
  get inputSize(): readonly [number, number] {
    return this.engine.metadata.graft.preprocessing.inputSize;
  }

  /** Labels of one image, most probable first (`topK` of them; a multi-label model's `threshold`). */
  async classify(input: ClassifierInput, options: ClassifyOptions = {}): Promise<Prediction[]> {
    const [predictions] = await this.classifyPixels([await this.pixels(input, 'input')], options);
    return predictions ?? [];
  }

  /**
   * RGB bytes of `input` at {@link inputSize}, as the model is fed them (`[H, W, 3]` row-major).
   * Decoding errors (corrupt, truncated, oversized, not an image) are `FileFormatError`s naming
   * `name`. Used to decode requests one by one and classify them together
   * ({@link classifyPixels}).
   */
  async pixels(input: ClassifierInput, name: string): Promise<Uint8Array> {
    const kind = inputKind(input);
    let image: RgbPixels;
    if (kind === 'bytes') {
      const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : (input as Uint8Array);
      image = await this.decode(bytes, name);
    } else if (kind === 'image-data') {
      const imageData = input as { width: number; height: number };
      image = {
        width: imageData.width,
        height: imageData.height,
        data: rgbOfImageData(input as Parameters<typeof rgbOfImageData>[0]),
      };
    } else {
      const tensor = input as tf.Tensor3D;
      const [height = 0, width = 0, channels] = tensor.shape;
      if (tensor.rank !== 3 || channels !== 3) {
        throw new InvalidArgumentError({
          argument: 'input',
          value: `tensor of shape [${tensor.shape.join(', ')}]`,
          expected: 'must be a tf.Tensor3D [height, width, 3] of pixels in [0, 255]',
        });
      }
      // 8-bit pixels, as decoding gives them: fractional values round, outliers clip.
      const clamped = Uint8ClampedArray.from(await tensor.data(), (value) => Math.round(value));
      image = { width, height, data: new Uint8Array(clamped.buffer) };
    }
    const preprocessing = this.engine.metadata.graft.preprocessing;
    return resizeImage(image, { imageSize: preprocessing.inputSize, resize: preprocessing.resize });
  }

  /** Labels of several images given as {@link pixels} results, in one batch through the model. */
  async classifyPixels(
    images: readonly Uint8Array[],
    options: ClassifyOptions = {},
  ): Promise<Prediction[][]> {
    if (images.length === 0) return [];
    const [height, width] = this.inputSize;
    const size = height * width * 3;
    const batch = new Uint8Array(images.length * size);
    for (const [index, image] of images.entries()) {
      if (image.length !== size) {
        throw new InvalidArgumentError({
          argument: `images[${index}]`,
          value: `${image.length} bytes`,
          expected: `must hold ${height} * ${width} * 3 = ${size} bytes (a pixels() result)`,
        });
      }
      batch.set(image, index * size);
    }
    const probabilities = await this.engine.probabilities(batch, images.length);
    return rankPredictions(probabilities, this.labels, options);
  }

  /** Releases the model (its weights; an ONNX session's thread). */
  dispose(): Promise<void> {
    return this.engine.dispose();
  }
}
