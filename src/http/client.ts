import { Pool } from 'undici';
import type { z } from 'zod';
import type { Vendor } from '../domain/vendor.js';
import {
  NotFoundError,
  RateLimitedError,
  UpstreamError,
  ValidationError,
  type UpstreamSource,
} from '../errors.js';
import type { Logger } from '../logger.js';
import { buildPath, buildQuery, type QueryValue } from './path.js';
import { retryAfterSeconds } from './retry-after.js';
import { Limiter } from './limiter.js';
import { upstreamObserver } from './observe.js';
import type { TokenCache } from './tokens.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpClientOptions {
  vendor: Vendor;
  account: string;
  baseUrl: string;
  logger: Logger;
  /** Bearer token source for API calls; absent for vendors with static headers. */
  tokens?: TokenCache;
  /** Static headers on every call (e.g. a vault's static bearer token). */
  headers?: Record<string, string>;
  /** Pulls the human message out of the vendor's own error body format. */
  errorMessage: (body: unknown) => string | undefined;
  connections?: number;
  concurrency?: number;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
}

export interface UpstreamRequest<S extends z.ZodType> {
  method: HttpMethod;
  /** Route template, e.g. `/api/v2/clients/{client_id}`; it is also what gets logged. */
  route: string;
  params?: Record<string, string>;
  query?: Record<string, QueryValue>;
  json?: unknown;
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** `false` for calls that carry their own credentials (token endpoints). */
  auth?: boolean;
  schema: S;
  signal?: AbortSignal | undefined;
  /** What the caller was looking for, for a 404 message. */
  resource?: string;
  /**
   * Whether repeating the call is harmless. Defaults: GET/PUT/DELETE yes, POST/PATCH no. A PATCH
   * that sets absolute values may say yes; a failed non-idempotent call reports outcomeUnknown.
   */
  idempotent?: boolean;
  /** Extra fields for this call's log line, e.g. a vendor correlation id (never secrets). */
  log?: Record<string, string | number>;
  /** Values that must never appear in an error (a secret being written): cut from vendor messages. */
  redact?: readonly string[];
}

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN']);
const MAX_VENDOR_MESSAGE = 300;

/**
 * One per configured account: a keep-alive undici Pool, bounded concurrency, the account's
 * token, and the mapping of vendor HTTP failures to domain errors. It never retries a call
 * except once after a 401 with a freshly fetched token (a 401 means nothing was applied).
 */
export class HttpClient {
  private readonly pool: Pool;
  private readonly limiter: Limiter;
  readonly source: UpstreamSource;
  private readonly origin: string;
  private readonly basePath: string;

  constructor(private readonly options: HttpClientOptions) {
    const url = new URL(options.baseUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/$/, '');
    this.source = { vendor: options.vendor, account: options.account };
    this.pool = new Pool(this.origin, {
      connections: options.connections ?? 32,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: { timeout: options.connectTimeoutMs ?? 5_000 },
      headersTimeout: options.headersTimeoutMs ?? 15_000,
      bodyTimeout: options.bodyTimeoutMs ?? 15_000,
    });
    this.limiter = new Limiter(options.concurrency ?? 32);
  }

  async request<S extends z.ZodType>(req: UpstreamRequest<S>): Promise<z.output<S>> {
    return this.limiter.run(() => this.send(req, true));
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async send<S extends z.ZodType>(req: UpstreamRequest<S>, mayRefresh: boolean): Promise<z.output<S>> {
    const useAuth = req.auth !== false && this.options.tokens !== undefined;
    const token = useAuth ? await this.options.tokens!.get() : undefined;
    const headers: Record<string, string> = { accept: 'application/json', ...this.options.headers, ...req.headers };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (req.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.json);
    } else if (req.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(req.form).toString();
    }
    const path = this.basePath + buildPath(req.route, req.params) + buildQuery(req.query);
    const idempotent = req.idempotent ?? (req.method === 'GET' || req.method === 'PUT' || req.method === 'DELETE');
    const started = performance.now();
    const log = (status: number | string) => {
      upstreamObserver.getStore()?.(status);
      this.options.logger.info(
        {
          vendor: this.source.vendor,
          account: this.source.account,
          method: req.method,
          route: req.route,
          ...req.log,
          status,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
        },
        'upstream call',
      );
    };

    let statusCode: number;
    let responseHeaders: Record<string, string | string[] | undefined>;
    let text: string;
    try {
      const res = await this.pool.request({ method: req.method, path, headers, body, signal: req.signal });
      statusCode = res.statusCode;
      responseHeaders = res.headers;
      text = await res.body.text();
    } catch (err) {
      const code = (err as { code?: string }).code ?? (err as Error).name;
      log(code);
      if ((err as Error).name === 'AbortError' || req.signal?.aborted) {
        throw new UpstreamError(`request to ${this.describe()} was cancelled`, this.source, null, true);
      }
      const sent = !NOT_SENT_CODES.has(code);
      throw new UpstreamError(
        `${this.describe()} could not be reached (${code})` +
          (sent && !idempotent ? '; the change may or may not have been applied — read the resource to check' : ''),
        this.source,
        null,
        true,
        sent && !idempotent,
      );
    }
    log(statusCode);

    if (statusCode === 401 && token !== undefined && mayRefresh) {
      this.options.tokens!.invalidate(token);
      return this.send(req, false);
    }
    if (statusCode >= 200 && statusCode < 300) return this.parse(req.schema, statusCode, text);
    throw this.toError(statusCode, responseHeaders, text, req, idempotent);
  }

  private parse<S extends z.ZodType>(schema: S, status: number, text: string): z.output<S> {
    let json: unknown = undefined;
    if (text.length > 0) {
      try {
        json = JSON.parse(text);
      } catch {
        throw new UpstreamError(`${this.describe()} returned malformed JSON (HTTP ${status})`, this.source, status, true);
      }
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      // Paths only: issue messages could quote upstream values.
      const where = parsed.error.issues
        .slice(0, 3)
        .map((i) => i.path.join('.') || '(root)')
        .join(', ');
      throw new UpstreamError(
        `${this.describe()} returned an unexpected response shape (HTTP ${status}) at ${where}`,
        this.source,
        status,
        false,
      );
    }
    return parsed.data;
  }

  private toError(
    status: number,
    headers: Record<string, string | string[] | undefined>,
    text: string,
    req: UpstreamRequest<z.ZodType>,
    idempotent: boolean,
  ): Error {
    let vendorMessage: string | undefined;
    try {
      vendorMessage = this.options.errorMessage(JSON.parse(text));
    } catch {
      vendorMessage = undefined;
    }
    // Redact before truncating, so a secret cut in half by the limit cannot survive.
    for (const secret of req.redact ?? []) if (secret && vendorMessage) vendorMessage = vendorMessage.split(secret).join('[redacted]');
    vendorMessage = vendorMessage?.slice(0, MAX_VENDOR_MESSAGE);
    const detail = vendorMessage ? `: ${vendorMessage}` : '';
    switch (true) {
      case status === 404:
        return new NotFoundError(`${req.resource ?? 'resource'} not found in ${this.describe()}${detail}`, this.source);
      case status === 400 || status === 409 || status === 422:
        return new ValidationError(`${this.describe()} rejected the request (HTTP ${status})${detail}`, [], this.source);
      case status === 429:
        return new RateLimitedError(this.source, retryAfterSeconds(headers));
      case status === 401 || status === 403:
        return new UpstreamError(
          `${this.describe()} refused the gateway's credentials (HTTP ${status})${detail}`,
          this.source,
          status,
          false,
        );
      case status >= 500:
        return new UpstreamError(
          `${this.describe()} failed (HTTP ${status})${detail}` +
            (idempotent ? '' : '; the change may or may not have been applied — read the resource to check'),
          this.source,
          status,
          true,
          !idempotent,
        );
      default:
        return new UpstreamError(`${this.describe()} answered HTTP ${status}${detail}`, this.source, status, false);
    }
  }

  private describe(): string {
    return `${this.source.vendor} account "${this.source.account}"`;
  }
}
