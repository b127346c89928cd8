/** Options of {@link mapLimited}. */
export interface MapLimitedOptions<T, R> {
  /** What to map, in order. */
  items: readonly T[];
  /** Calls in flight at once: enough to hide the file system's latency, not thousands of handles. */
  limit: number;
  /** Checked before each item: the mapping stops with the signal's reason. */
  signal?: AbortSignal;
  /** The asynchronous work of one item. */
  map: (item: T, index: number) => Promise<R>;
}

/** `map` over `items` with at most `limit` calls in flight; the results in `items`' order. */
export async function mapLimited<T, R>(options: MapLimitedOptions<T, R>): Promise<R[]> {
  const { items, signal, map } = options;
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      signal?.throwIfAborted();
      const index = next++;
      results[index] = await map(items[index] as T, index);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(options.limit, items.length)) }, worker),
  );
  return results;
}
