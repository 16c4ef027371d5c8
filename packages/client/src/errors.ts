/**
 * The SDK's one error class. `error` is the server's stable code (SPEC §2:
 * `invalid_credentials`, `email_taken`, `invalid_grant`, `rate_limited`, …),
 * or one of the client's own: `network_error`, `invalid_response`.
 * Branch on `error`, never on the message.
 *
 * @example
 * try {
 *   await tessera.login({ email, password });
 * } catch (err) {
 *   if (err instanceof TesseraError && err.error === 'invalid_credentials') showWrongPassword();
 * }
 */
export class TesseraError extends Error {
  /** The server's `error` code, or `network_error` / `invalid_response`. */
  readonly error: string;
  /** HTTP status; 0 when no response arrived. */
  readonly status: number;
  /** Seconds from `Retry-After` on 429, when the server sent it. */
  readonly retryAfter: number | undefined;

  constructor(
    error: string,
    description: string,
    status: number,
    options?: { cause?: unknown; retryAfter?: number | undefined },
  ) {
    super(description, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.error = error;
    this.status = status;
    this.retryAfter = options?.retryAfter;
  }
}

/** Why a session ended without this client asking for it (or `logout` when it did). */
export type SessionEndReason = 'expired' | 'revoked' | 'reused' | 'logout';

/** Thrown by calls that needed a session when the session could not be refreshed. */
export class SessionEndedError extends TesseraError {
  readonly reason: SessionEndReason;

  constructor(reason: SessionEndReason, options?: { cause?: unknown }) {
    super('invalid_grant', `The session has ended (${reason}). Sign in again.`, 401, options);
    this.reason = reason;
  }
}

/** Builds the typed error from a failed response's `{error, error_description}` body. */
export async function errorFromResponse(response: Response): Promise<TesseraError> {
  let code = 'invalid_response';
  let description = `Unexpected response ${response.status}.`;
  try {
    const body: unknown = await response.json();
    if (isErrorBody(body)) {
      code = body.error;
      description = body.error_description;
    }
  } catch {
    // Not JSON (a proxy's HTML page, say): keep the generic description.
  }
  const retry = Number(response.headers.get('retry-after'));
  return new TesseraError(code, description, response.status, {
    retryAfter: Number.isFinite(retry) && retry > 0 ? retry : undefined,
  });
}

function isErrorBody(body: unknown): body is { error: string; error_description: string } {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { error?: unknown }).error === 'string' &&
    typeof (body as { error_description?: unknown }).error_description === 'string'
  );
}
