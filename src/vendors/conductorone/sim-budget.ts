/**
 * A fixed one-second window request budget for simulators: each call counts one request and says
 * whether it is over the limit (`null` = unlimited, read per call so tests can change it).
 * Vendor-neutral; a candidate for src/sim/ (the Auth0, Keycard and vault simulators have the same window inline).
 */
export function perSecondBudget(limit: () => number | null, clock: () => number = Date.now): () => boolean {
  let window = { second: 0, used: 0 };
  return () => {
    const max = limit();
    if (max === null) return false;
    const second = Math.floor(clock() / 1000);
    if (window.second !== second) window = { second, used: 0 };
    return ++window.used > max;
  };
}
