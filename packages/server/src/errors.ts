/**
 * The one error hierarchy of the server. Every error a client may see is a
 * `TesseraError` with a stable OAuth-style `error` code and an HTTP status;
 * `http/errors.ts` turns it into a response, in exactly one place.
 *
 * Messages are written for humans and never contain a token, a secret, a
 * password hash or a vault value: callers pass field names, not values.
 */
export type ErrorCode =
  | 'invalid_request'
  | 'invalid_credentials'
  | 'invalid_token'
  | 'invalid_grant'
  | 'insufficient_scope'
  | 'forbidden'
  | 'not_found'
  | 'email_taken'
  | 'token_expired'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'server_error'
  // RFC 6749 §5.2: only the token endpoint (`POST /v1/oauth/token`) answers with these.
  | 'invalid_client'
  | 'invalid_scope'
  | 'unsupported_grant_type'
  | 'unauthorized_client';

const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  invalid_credentials: 401,
  invalid_token: 401,
  invalid_grant: 401,
  insufficient_scope: 403,
  forbidden: 403,
  not_found: 404,
  email_taken: 409,
  token_expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  server_error: 500,
  invalid_client: 401,
  invalid_scope: 400,
  unsupported_grant_type: 400,
  unauthorized_client: 400,
};

/**
 * Base of every error that maps to an HTTP answer.
 *
 * @example
 * throw new TesseraError('not_found', 'No such user.');
 */
export class TesseraError extends Error {
  readonly error: ErrorCode;
  readonly status: number;
  /** Extra response headers (e.g. `Retry-After`, `WWW-Authenticate`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    error: ErrorCode,
    description: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(description, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.error = error;
    this.status = STATUS[error];
    this.headers = options?.headers ?? {};
  }
}

/** 400: malformed input or a failed validation; the description names the field. */
export class InvalidRequest extends TesseraError {
  constructor(description: string) {
    super('invalid_request', description);
  }
}

/** 401 on login: the same error, body and timing for an unknown email and a wrong password. */
export class InvalidCredentials extends TesseraError {
  constructor() {
    super('invalid_credentials', 'The email or password is incorrect.');
  }
}

/**
 * 401 for any bearer token that is refused. Deliberately one fixed message:
 * telling an attacker *why* a forged token failed (bad signature, unknown
 * kid, expired…) only helps the forger. The reason travels in `cause` for logs.
 */
export class InvalidToken extends TesseraError {
  constructor(cause?: unknown) {
    super('invalid_token', 'The access token is invalid or has expired.', {
      cause,
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    });
  }
}

/** 401 on refresh: the refresh token is unknown, expired, revoked or reused. */
export class InvalidGrant extends TesseraError {
  constructor(cause?: unknown) {
    super('invalid_grant', 'The refresh token is invalid, expired or revoked.', { cause });
  }
}

export class InsufficientScope extends TesseraError {
  constructor(scope: string) {
    super('insufficient_scope', `This call needs the scope "${scope}".`, {
      headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
    });
  }
}

export class Forbidden extends TesseraError {
  constructor(description = 'You may not access this resource.') {
    super('forbidden', description);
  }
}

export class NotFound extends TesseraError {
  constructor(description = 'Not found.') {
    super('not_found', description);
  }
}

export class EmailTaken extends TesseraError {
  constructor() {
    super('email_taken', 'An account with this email already exists.');
  }
}

export class RateLimited extends TesseraError {
  constructor(retryAfterSeconds: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super('rate_limited', `Too many attempts; try again in ${seconds} seconds.`, {
      headers: { 'retry-after': String(seconds) },
    });
  }
}

/** 410: a vault token past its `ttl_seconds` (SPEC §2.3); purged by the sweep later. */
export class TokenExpired extends TesseraError {
  constructor() {
    super('token_expired', 'The vault token has expired.');
  }
}

/**
 * RFC 6749 §5.2 errors of the token endpoint. `invalid_client` carries
 * `WWW-Authenticate: Basic` (the client authenticated, or should have, with HTTP Basic).
 */
export class OAuthError extends TesseraError {
  constructor(
    error:
      | 'invalid_client'
      | 'invalid_scope'
      | 'unsupported_grant_type'
      | 'unauthorized_client'
      | 'invalid_request',
    description: string,
  ) {
    super(error, description, {
      headers:
        error === 'invalid_client'
          ? { 'www-authenticate': 'Basic realm="tessera", charset="UTF-8"' }
          : {},
    });
  }
}

/** Bad configuration: one line per problem, printed at start before exiting non-zero. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
