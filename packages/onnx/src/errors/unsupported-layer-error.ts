import { GraftError } from '@graft/core';

const marker = 'graft.error.UnsupportedLayerError';
const symbol = Symbol.for(marker);

/**
 * A layer of the model cannot be converted to ONNX: no converter is registered for its class, or
 * its configuration is one the converter does not handle. The message names the layer, its
 * class, why, and the supported classes.
 */
export class UnsupportedLayerError extends GraftError {
  protected readonly [symbol] = true;
  /** Name of the layer. */
  readonly layerName: string;
  /** Its class (`layer.getClassName()`). */
  readonly className: string;
  /** Why it cannot be converted. */
  readonly reason: string;
  /** Layer classes that have a converter. */
  readonly supportedClasses: readonly string[];

  constructor(options: {
    /** Name of the layer. */
    layerName: string;
    /** Its class. */
    className: string;
    /** Why it cannot be converted. */
    reason: string;
    /** Layer classes that have a converter. */
    supportedClasses: readonly string[];
  }) {
    super({
      code: 'INVALID_ARGUMENT',
      message:
        `Layer ${JSON.stringify(options.layerName)} (class ${options.className}) cannot be ` +
        `converted to ONNX: ${options.reason}. Supported layer classes: ` +
        `${options.supportedClasses.join(', ')}. A custom layer needs ` +
        `registerLayerConverter(${JSON.stringify(options.className)}, converter).`,
    });
    this.name = 'UnsupportedLayerError';
    this.layerName = options.layerName;
    this.className = options.className;
    this.reason = options.reason;
    this.supportedClasses = [...options.supportedClasses];
  }

  static override isInstance(error: unknown): error is UnsupportedLayerError {
    return GraftError.hasMarker(error, marker);
  }
}
