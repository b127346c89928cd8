import type { LayerConverter } from '../layer-converter.js';
import { channelsLastOnly, padAttributes, paddingMode, pairOf, windowPads } from '../layout.js';

/**
 * tfjs global pooling → `GlobalAveragePool`/`GlobalMaxPool` (`[N, C, 1, 1]`), then `Flatten` to
 * tfjs's `[N, C]` (unless `keepDims`, where `[N, C, 1, 1]` is already the NCHW of `[N, 1, 1, C]`).
 */
function globalPooling(opType: string): LayerConverter {
  return {
    check: (_layer, config) => channelsLastOnly(config),
    convert: ({ layer, config, inputs, graph }) => {
      const input = inputs[0];
      if (input === undefined) throw new Error(`${layer.name}: no input`);
      if (config.keepDims === true) {
        return [graph.add({ opType, inputs: [input.name], name: layer.name })];
      }
      const pooled = graph.add({ opType, inputs: [input.name], name: `${layer.name}_pool` });
      return [
        graph.add({
          opType: 'Flatten',
          inputs: [pooled],
          name: layer.name,
          attributes: { axis: 1 },
        }),
      ];
    },
  };
}

/** tfjs `GlobalAveragePooling2D`. */
export const globalAveragePooling2dConverter = globalPooling('GlobalAveragePool');
/** tfjs `GlobalMaxPooling2D`. */
export const globalMaxPooling2dConverter = globalPooling('GlobalMaxPool');

/**
 * tfjs 2-D pooling → `MaxPool`/`AveragePool` with explicit pads. TensorFlow's `same` ignores the
 * padded cells (max over real cells, average divided by the real count): ONNX MaxPool never
 * selects padding and AveragePool's `count_include_pad = 0` divides by the real count.
 */
function windowPooling(opType: string): LayerConverter {
  return {
    check: (_layer, config) => {
      const format = channelsLastOnly(config);
      if (format !== undefined) return format;
      if (config.padding !== 'same' && config.padding !== 'valid') {
        return `padding ${JSON.stringify(config.padding)} (only same and valid are supported)`;
      }
      return undefined;
    },
    convert: ({ layer, config, inputs, graph }) => {
      const input = inputs[0];
      if (input === undefined) throw new Error(`${layer.name}: no input`);
      const kernel = pairOf(config.poolSize, 'poolSize');
      const strides = pairOf(config.strides ?? config.poolSize, 'strides');
      const pads = windowPads({
        padding: paddingMode(config),
        inputShape: input.shape,
        kernel,
        strides,
        dilations: [1, 1],
      });
      return [
        graph.add({
          opType,
          inputs: [input.name],
          name: layer.name,
          attributes: {
            kernel_shape: kernel,
            strides,
            ...padAttributes(pads),
            ...(opType === 'AveragePool' ? { count_include_pad: 0 } : {}),
          },
        }),
      ];
    },
  };
}

/** tfjs `MaxPooling2D`. */
export const maxPooling2dConverter = windowPooling('MaxPool');
/** tfjs `AveragePooling2D`. */
export const averagePooling2dConverter = windowPooling('AveragePool');
