import { pino, type Logger } from 'pino';

export type { Logger };

/** Field names whose values are secrets wherever they appear one level down (`{ headers: { authorization } }`). */
const SECRET_FIELDS = new Set(['authorization', 'Authorization', 'clientSecret', 'client_secret', 'value', 'token', 'access_token']);
const CENSOR = '[redacted]';

/**
 * The second line of defence (the first is never putting secrets in log calls at all): any
 * object-valued field of a log line has its secret-named fields censored. Hand-written rather
 * than pino's `redact` with wildcard paths, which clones every line — a measurable cost at one
 * line per upstream call; a flat line (the usual case) is only scanned.
 */
export function censorSecrets(line: Record<string, unknown>): Record<string, unknown> {
  let out = line;
  for (const key in line) {
    const value = line[key];
    if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Error) continue;
    let copy: Record<string, unknown> | undefined;
    for (const field in value) if (SECRET_FIELDS.has(field)) (copy ??= { ...value })[field] = CENSOR;
    if (copy) (out === line ? (out = { ...line }) : out)[key] = copy;
  }
  return out;
}

/** Structured JSON logs (pino). */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const config = {
    level,
    base: { service: 'credential-gateway' },
    formatters: { log: censorSecrets },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

export const silentLogger: Logger = pino({ level: 'silent' });
