/** Options of {@link canonicalJson}. */
export interface CanonicalJsonOptions {
  /** Replaces string values (e.g. generated layer names by their position). Default: none. */
  renameString?: (value: string) => string;
  /** Object keys left out (properties that do not change what is described). Default: none. */
  ignoredKeys?: ReadonlySet<string>;
}

/**
 * JSON text of `value` with object keys sorted at every depth, so equal descriptions give equal
 * text whatever order their properties were written in. `undefined` properties are left out, as
 * `JSON.stringify` does.
 */
export function canonicalJson(value: unknown, options: CanonicalJsonOptions = {}): string {
  return JSON.stringify(sorted(value, options));
}

function sorted(value: unknown, options: CanonicalJsonOptions): unknown {
  if (typeof value === 'string') return options.renameString?.(value) ?? value;
  if (Array.isArray(value)) return value.map((item) => sorted(item, options));
  if (value !== null && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      if (options.ignoredKeys?.has(key)) continue;
      result[key] = sorted((value as Record<string, unknown>)[key], options);
    }
    return result;
  }
  return value;
}
