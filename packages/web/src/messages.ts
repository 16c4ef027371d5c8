import { type SessionEndReason, TesseraError } from '@tessera/client';

/** A sentence for the person at the keyboard, chosen by the server's `error` code. */
export function messageFor(err: unknown): string {
  if (!(err instanceof TesseraError)) return 'Something went wrong. Please try again.';
  switch (err.error) {
    case 'invalid_credentials':
      return 'That email and password do not match. Check them and try again.';
    case 'email_taken':
      return 'An account with this email already exists. Log in instead.';
    case 'invalid_request':
      return `Please check your input: ${err.message}`;
    case 'rate_limited':
      return `Too many attempts. Try again in ${err.retryAfter ?? 60} seconds.`;
    case 'network_error':
      return 'The server cannot be reached. Check your connection and try again.';
    case 'not_found':
      return 'That item no longer exists.';
    case 'token_expired':
      return 'This stored value has expired and can no longer be revealed.';
    case 'forbidden':
    case 'insufficient_scope':
      return 'You are not allowed to do that.';
    case 'payload_too_large':
      return 'That is too large to send.';
    case 'invalid_grant':
    case 'invalid_token':
      return 'Your session has ended. Please log in again.';
    default:
      return 'The server had a problem. Please try again in a moment.';
  }
}

/** Why the page came back to the log-in screen. */
export function endedMessage(reason: SessionEndReason): string {
  switch (reason) {
    case 'expired':
      return 'Your session expired. Please log in again.';
    case 'revoked':
      return 'You were signed out: this session was ended (from another device or tab).';
    case 'reused':
      return 'You were signed out for your safety: an old sign-in token was used again.';
    case 'logout':
      return 'You are signed out.';
  }
}
