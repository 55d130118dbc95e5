import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Fields that could carry secrets are redacted by path as a second line of
 * defence; the first is never putting secrets in log calls at all.
 */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const config = {
    level,
    base: { service: 'credential-gateway' },
    redact: {
      paths: ['*.authorization', '*.Authorization', '*.clientSecret', '*.client_secret', '*.value', '*.token', '*.access_token'],
      censor: '[redacted]',
    },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

export const silentLogger: Logger = pino({ level: 'silent' });
