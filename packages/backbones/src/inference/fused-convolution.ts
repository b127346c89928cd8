import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Activations tfjs-core's fused convolution kernels apply in the same pass (wasm: XNNPACK clamps). */
export type FusedActivation = 'linear' | 'relu' | 'relu6';

/** Padding of a {@link FusedConvolution}: TF `same`/`valid`, or explicit `[[top, bottom], [left, right]]`. */
export type FusedPadding =
  | 'same'
  | 'valid'
  | readonly [readonly [number, number], readonly [number, number]];

/** Options of {@link FusedConvolution}. */
export interface FusedConvolutionOptions {
  /** Layer name (the name of the convolution it replaces). */
  name: string;
  /** `conv2d` (kernel `[kh, kw, in, out]`) or `depthwise` (kernel `[kh, kw, in, multiplier]`). */
  kind: 'conv2d' | 'depthwise';
  /**
   * Kernel, assigned to the layer's weight when it is built (tfjs tensors are immutable and
   * reference-counted, so the caller may dispose its handle after `apply`).
   */
  kernel: tf.Tensor4D;
  /** Bias `[outChannels]`, assigned like `kernel`. */
  bias: tf.Tensor1D;
  /** Strides `[height, width]`. */
  strides: readonly [number, number];
  /** Dilation rates `[height, width]` (conv2d only; depthwise requires 1). */
  dilationRate: readonly [number, number];
  /** Padding, zero padding of an absorbed `ZeroPadding2D` included. */
  padding: FusedPadding;
  /** Activation applied by the kernel. */
  activation: FusedActivation;
}

/**
 * Inference-only NHWC convolution + bias + activation in one `tf.fused` kernel: what a
 * Conv2D/DepthwiseConv2D → BatchNormalization → ReLU(6) chain becomes once BatchNorm is folded.
 * tfjs-layers' own Conv2D fuses only `relu`/`linear`/`elu` and DepthwiseConv2D fuses nothing,
 * hence this layer. Not trainable, not registered for serialisation (the inference network is
 * rebuilt from the trainable one, never saved).
 */
export class FusedConvolution extends tfl.layers.Layer {
  static readonly className = 'GraftFusedConvolution';
  private readonly options: Omit<FusedConvolutionOptions, 'kernel' | 'bias'>;
  private readonly kernelShape: [number, number, number, number];
  private pending: { kernel: tf.Tensor4D; bias: tf.Tensor1D } | undefined;
  private kernelVariable: tfl.LayerVariable | undefined;
  private biasVariable: tfl.LayerVariable | undefined;

  constructor(options: FusedConvolutionOptions) {
    super({ name: options.name, trainable: false });
    const { kernel, bias, ...rest } = options;
    this.options = rest;
    this.kernelShape = [...kernel.shape];
    this.pending = { kernel, bias };
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    void inputShape;
    const pending = this.pending;
    if (pending === undefined) throw new Error(`FusedConvolution ${this.name} built twice`);
    const { kernel, bias } = pending;
    this.pending = undefined;
    const zeros = tfl.initializers.zeros();
    this.kernelVariable = this.addWeight(
      'kernel',
      kernel.shape,
      'float32',
      zeros,
      undefined,
      false,
    );
    this.biasVariable = this.addWeight('bias', bias.shape, 'float32', zeros, undefined, false);
    this.kernelVariable.write(kernel);
    this.biasVariable.write(bias);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const kernelVariable = this.kernelVariable;
      const biasVariable = this.biasVariable;
      if (kernelVariable === undefined || biasVariable === undefined) {
        throw new Error(`FusedConvolution ${this.name} called before it was built`);
      }
      const { kind, strides, dilationRate, activation } = this.options;
      const pad = corePadding(this.options.padding);
      const filter = kernelVariable.read() as tf.Tensor4D;
      const bias = biasVariable.read() as tf.Tensor1D;
      if (kind === 'conv2d') {
        return tf.fused.conv2d({
          x,
          filter,
          bias,
          strides: [strides[0], strides[1]],
          dilations: [dilationRate[0], dilationRate[1]],
          pad,
          activation,
        });
      }
      // tfjs-core types depthwise padding as same/valid/number, but computeConv2DInfo (used by
      // the op and every backend's kernel) takes explicit padding too.
      return tf.fused.depthwiseConv2d({
        x,
        filter,
        bias,
        strides: [strides[0], strides[1]],
        dilations: [1, 1],
        pad: pad as 'same' | 'valid',
        activation,
      });
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const [kernelHeight, kernelWidth, , multiplierOrOut] = this.kernelShape;
    const channels =
      this.options.kind === 'conv2d' ? multiplierOrOut : (shape[3] as number) * multiplierOrOut;
    const { strides, dilationRate, padding } = this.options;
    return [
      shape[0] ?? null,
      outputLength(shape[1] ?? null, kernelHeight, dilationRate[0], strides[0], padding, 0),
      outputLength(shape[2] ?? null, kernelWidth, dilationRate[1], strides[1], padding, 1),
      channels,
    ];
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { kind, strides, dilationRate, padding, activation } = this.options;
    return {
      ...super.getConfig(),
      kind,
      strides: [...strides],
      dilationRate: [...dilationRate],
      padding: typeof padding === 'string' ? padding : padding.map((pair) => [...pair]),
      activation,
    };
  }
}

function corePadding(padding: FusedPadding): 'same' | 'valid' | tf.backend_util.ExplicitPadding {
  if (typeof padding === 'string') return padding;
  const [[top, bottom], [left, right]] = padding;
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}

/** Output length along one spatial axis (TF semantics for `same`/`valid`). */
function outputLength(
  input: number | null,
  kernel: number,
  dilation: number,
  stride: number,
  padding: FusedPadding,
  axis: 0 | 1,
): number | null {
  if (input === null) return null;
  const effectiveKernel = (kernel - 1) * dilation + 1;
  if (padding === 'same') return Math.ceil(input / stride);
  if (padding === 'valid') return Math.ceil((input - effectiveKernel + 1) / stride);
  const [before, after] = padding[axis];
  return Math.floor((input + before + after - effectiveKernel) / stride) + 1;
}
