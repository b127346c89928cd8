import type * as tf from '@tensorflow/tfjs-core';

/**
 * The depthwise filter gradient in one pass over `x` and `dy` (NHWC, filter `[KH, KW, C, M]`):
 * `dW[kh, kw, c, m] = Σ x[n, oh·s + kh − pad, ow·s + kw − pad, c] · dy[n, oh, ow, c·M + m]`.
 * The innermost loop runs over contiguous channels of `x`, `dy` and `dW` alike.
 */
export function depthwiseFilterGradientLoop(
  x: Float32Array,
  dy: Float32Array,
  filterGradient: Float32Array,
  convolution: tf.backend_util.Conv2DInfo,
): void {
  const {
    batchSize,
    inHeight,
    inWidth,
    inChannels,
    outHeight,
    outWidth,
    filterHeight,
    filterWidth,
  } = convolution;
  const { strideHeight, strideWidth } = convolution;
  const { top, left } = convolution.padInfo;
  const multiplier = convolution.outChannels / inChannels;
  const outChannels = convolution.outChannels;
  filterGradient.fill(0);
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let kh = 0; kh < filterHeight; kh++) {
        const ih = oh * strideHeight - top + kh;
        if (ih < 0 || ih >= inHeight) continue;
        const xRow = (n * inHeight + ih) * inWidth;
        const dyRow = (n * outHeight + oh) * outWidth;
        const w0 = kh * filterWidth * outChannels;
        const w1 = w0 + outChannels;
        const w2 = w1 + outChannels;
        for (let ow = 0; ow < outWidth; ow++) {
          const dyBase = (dyRow + ow) * outChannels;
          const iw0 = ow * strideWidth - left;
          if (filterWidth === 3 && multiplier === 1 && iw0 >= 0 && iw0 + 2 < inWidth) {
            // MobileNet's case, unrolled over the row's three taps: one load of dy per channel.
            const x0 = (xRow + iw0) * inChannels;
            const x1 = x0 + inChannels;
            const x2 = x1 + inChannels;
            for (let c = 0; c < inChannels; c++) {
              const gradient = dy[dyBase + c] as number;
              filterGradient[w0 + c] =
                (filterGradient[w0 + c] as number) + (x[x0 + c] as number) * gradient;
              filterGradient[w1 + c] =
                (filterGradient[w1 + c] as number) + (x[x1 + c] as number) * gradient;
              filterGradient[w2 + c] =
                (filterGradient[w2 + c] as number) + (x[x2 + c] as number) * gradient;
            }
            continue;
          }
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = iw0 + kw;
            if (iw < 0 || iw >= inWidth) continue;
            const xBase = (xRow + iw) * inChannels;
            const wBase = (kh * filterWidth + kw) * outChannels;
            if (multiplier === 1) {
              for (let c = 0; c < inChannels; c++) {
                filterGradient[wBase + c] =
                  (filterGradient[wBase + c] as number) +
                  (x[xBase + c] as number) * (dy[dyBase + c] as number);
              }
            } else {
              for (let c = 0; c < inChannels; c++) {
                const value = x[xBase + c] as number;
                const offset = c * multiplier;
                for (let m = 0; m < multiplier; m++) {
                  filterGradient[wBase + offset + m] =
                    (filterGradient[wBase + offset + m] as number) +
                    value * (dy[dyBase + offset + m] as number);
                }
              }
            }
          }
        }
      }
    }
  }
}
