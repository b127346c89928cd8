import { InvalidArgumentError, type JsonObject } from '@graft/core';

/**
 * Checks the `{ name, options }` shape that image and text ops' `toConfig()` produce, before a
 * registry lookup; throws naming `config` or `<name>.options` and the value received.
 */
export function readOpConfig(config: JsonObject): { name: string; options: JsonObject } {
  if (
    config === null ||
    typeof config !== 'object' ||
    Array.isArray(config) ||
    typeof config.name !== 'string'
  ) {
    throw new InvalidArgumentError({
      argument: 'config',
      value: config,
      expected: 'must be { name: string, options: object } as produced by toConfig()',
    });
  }
  const options = config.options ?? {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError({
      argument: `${config.name}.options`,
      value: options,
      expected: 'must be an object',
    });
  }
  return { name: config.name, options };
}
