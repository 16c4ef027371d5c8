import type { FastifyServerOptions } from 'fastify';
import type { LogLevel } from '../config.js';

/**
 * Structured JSON logs on stdout. Requests are logged by method, path (never
 * the query string, where careless clients put tokens) and address; secrets in
 * headers and any body field that could hold one are redacted by path.
 */
export function loggerOptions(level: LogLevel): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        '*.password',
        '*.new_password',
        '*.current_password',
        '*.access_token',
        '*.refresh_token',
        '*.client_secret',
        '*.value',
        '*.token',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req(req: { method: string; url: string; ip?: string; id: string }) {
        return { method: req.method, url: req.url.split('?')[0] ?? '', ip: req.ip, id: req.id };
      },
    },
  };
}
