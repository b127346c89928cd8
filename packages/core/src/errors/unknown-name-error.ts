import { GraftError } from './graft-error.js';
import { editDistance } from './nearest-names.js';

const marker = 'graft.error.UnknownNameError';
const symbol = Symbol.for(marker);

/** A name looked up in a registry (backbone, head, schedule, op, kernel …) is not registered. */
export class UnknownNameError extends GraftError {
  protected readonly [symbol] = true;
  /** What kind of thing was looked up, e.g. `backbone`. */
  readonly kind: string;
  /** The name received. */
  readonly received: string;
  /** The names that are registered. */
  readonly validNames: readonly string[];

  constructor(options: {
    /** What kind of thing was looked up, e.g. `backbone`. */
    kind: string;
    /** The name received. */
    name: string;
    /** The names that are registered. */
    validNames: readonly string[];
  }) {
    const valid =
      options.validNames.length > 0 ? options.validNames.join(', ') : '(none registered)';
    const suggestion = closestName(options.name, options.validNames);
    super({
      code: 'UNKNOWN_NAME',
      message:
        `Unknown ${options.kind} ${JSON.stringify(options.name)}. ` +
        (suggestion ? `Did you mean ${JSON.stringify(suggestion)}? ` : '') +
        `Valid ${options.kind} names: ${valid}`,
    });
    this.name = 'UnknownNameError';
    this.kind = options.kind;
    this.received = options.name;
    this.validNames = [...options.validNames];
  }

  static override isInstance(error: unknown): error is UnknownNameError {
    return GraftError.hasMarker(error, marker);
  }
}

/** The valid name within edit distance 2 of `name` (case-insensitive), if there is one. */
function closestName(name: string, validNames: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of validNames) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
