import { formatValue } from './format-value.js';
import { GraftError } from './graft-error.js';

const marker = 'graft.error.InvalidArgumentError';
const symbol = Symbol.for(marker);

/**
 * An argument is out of range or of the wrong kind. The message names the argument, shows the
 * value received and says what is valid, Keras-style:
 * "Argument `decaySteps` must be > 0. Received: decaySteps=0".
 */
export class InvalidArgumentError extends GraftError {
  protected readonly [symbol] = true;
  /** Name of the offending argument or option field, e.g. `decaySteps` or `ratios.train`. */
  readonly argument: string;
  /** The value received. */
  readonly value: unknown;

  constructor(options: {
    /** Name of the offending argument or option field. */
    argument: string;
    /** The value received. */
    value: unknown;
    /** What a valid value looks like, e.g. "must be > 0" or "must be one of: a, b". */
    expected: string;
    /** The underlying error, if any. */
    cause?: unknown;
  }) {
    super({
      code: 'INVALID_ARGUMENT',
      message: `Argument \`${options.argument}\` ${options.expected}. Received: ${options.argument}=${formatValue(options.value)}`,
      cause: options.cause,
    });
    this.name = 'InvalidArgumentError';
    this.argument = options.argument;
    this.value = options.value;
  }

  static override isInstance(error: unknown): error is InvalidArgumentError {
    return GraftError.hasMarker(error, marker);
  }
}
