import DataLoader from 'dataloader';

/** Loader keys: an id, or the ids of a nested resource (`[clientId, credentialId]`). */
export type LoaderKey = string | readonly string[];

const keyOf = (key: LoaderKey): string => (typeof key === 'string' ? key : key.join('\u0000'));

/**
 * A per-request loader for vendor APIs without batch endpoints: it dedupes and caches by key,
 * and runs the distinct keys of one tick concurrently (the HTTP client bounds the fan-out).
 */
export class RequestLoader<K extends LoaderKey, V> {
  private readonly loader: DataLoader<K, V, string>;
  /** Values read some other way (an owner's list), served without a call. */
  private readonly known = new Map<string, V>();

  constructor(load: (key: K) => Promise<V>) {
    this.loader = new DataLoader<K, V, string>(
      (keys) => Promise.all(keys.map((key) => load(key).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))))),
      { cacheKeyFn: keyOf },
    );
  }

  load(key: K): Promise<V> {
    const known = this.known.get(keyOf(key));
    return known !== undefined ? Promise.resolve(known) : this.loader.load(key);
  }

  /**
   * Records a value a list already returned, so loading it later makes no call. A plain map entry
   * rather than DataLoader's `prime` (a promise per item): lists hold hundreds of items, and one
   * is rarely loaded again by itself within the same request.
   */
  remember(key: K, value: V): void {
    this.known.set(keyOf(key), value);
  }

  /** After a write: the key's new value, replacing whatever was read before. */
  replace(key: K, value: V): void {
    this.loader.clear(key);
    this.known.set(keyOf(key), value);
  }

  /** After a write: the next load reads the vendor again. */
  forget(key: K): void {
    this.loader.clear(key);
    this.known.delete(keyOf(key));
  }
}

export function requestLoader<K extends LoaderKey, V>(load: (key: K) => Promise<V>): RequestLoader<K, V> {
  return new RequestLoader(load);
}
