import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Lets a caller far above the HTTP client (the audit log around a mutation) learn the upstream
 * statuses of the calls made on its behalf, without threading a callback through every adapter.
 */
export const upstreamObserver = new AsyncLocalStorage<(status: number | string) => void>();
