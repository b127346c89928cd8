import type * as tfl from '@tensorflow/tfjs-layers';
import { findUnsupportedLayer } from './convert/convert-layers.js';

/** Whether a model converts to ONNX, and if not why (see {@link onnxSupport}). */
export type OnnxSupport = { supported: true } | { supported: false; reason: string };

/**
 * Whether `convertToOnnx({ model })` would succeed as far as layers go, without throwing and
 * without reading weights: `{ supported: false, reason }` carries the message
 * `convertToOnnx` would throw (the layer's name and class and the supported classes), so a
 * caller can fall back to tfjs and report why.
 */
export function onnxSupport(model: tfl.LayersModel): OnnxSupport {
  const nonFloat = model.inputs.find((tensor) => tensor.dtype !== 'float32');
  if (nonFloat !== undefined) {
    return { supported: false, reason: `input ${nonFloat.name} is ${nonFloat.dtype}, not float32` };
  }
  const unsupported = findUnsupportedLayer(model);
  return unsupported === undefined
    ? { supported: true }
    : { supported: false, reason: unsupported.message };
}
