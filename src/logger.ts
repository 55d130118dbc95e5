import { pino, type DestinationStream, type Logger } from 'pino';

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

/** Every turn-buffered destination: what they still hold is written when the process exits. */
const buffered = new Set<TurnBufferedDestination>();

/**
 * Standard output for log lines, written once per event-loop turn: a fan-out query logs one line
 * per upstream call, and those arrive in bursts. pino's default asynchronous stream issues a write
 * per line when idle and, when busy, re-measures its whole pending buffer on every line; here the
 * lines of a turn are joined and leave in one synchronous write (`sink`, which retries while a
 * pipe is full), on the next turn at the latest, and on exit.
 */
export class TurnBufferedDestination implements DestinationStream {
  private lines: string[] = [];
  private scheduled = false;

  constructor(private readonly sink: { write(chunk: string): unknown }) {
    if (buffered.size === 0) process.once('exit', () => buffered.forEach((d) => d.flushSync()));
    buffered.add(this);
  }

  write(line: string): void {
    this.lines.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushSync);
    }
  }

  readonly flushSync = (): void => {
    this.scheduled = false;
    if (this.lines.length === 0) return;
    const chunk = this.lines.join('');
    this.lines = [];
    this.sink.write(chunk);
  };

  /** pino's `logger.flush(cb)`. */
  flush(cb?: (err?: Error) => void): void {
    this.flushSync();
    cb?.();
  }
}

/** Structured JSON logs (pino), to standard output unless a destination is given. */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const config = {
    level,
    base: { service: 'credential-gateway' },
    formatters: { log: censorSecrets },
  };
  return pino(config, options.destination ?? new TurnBufferedDestination(pino.destination({ dest: 1, sync: true })));
}

export const silentLogger: Logger = pino({ level: 'silent' });
