import DataLoader from 'dataloader';

/**
 * A per-request loader for vendor APIs without batch endpoints: it dedupes and caches by key,
 * and runs the distinct keys of one tick concurrently (the HTTP client bounds the fan-out).
 */
export function requestLoader<K, V>(load: (key: K) => Promise<V>): DataLoader<K, V, string> {
  return new DataLoader<K, V, string>(
    (keys) => Promise.all(keys.map((key) => load(key).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))))),
    { cacheKeyFn: (key) => (typeof key === 'string' ? key : JSON.stringify(key)) },
  );
}
