import type { TesseraClient, User } from '@tessera/client';

export type Route = 'login' | 'signup' | 'profile' | 'cards' | 'sessions';

/** What every screen gets: the SDK, navigation, and a one-shot message for the next screen. */
export interface App {
  client: TesseraClient;
  user(): User | null;
  go(route: Route): void;
  /** Shows `text` in the status area (announced to screen readers). */
  notify(text: string, kind?: 'info' | 'error'): void;
  /** Leaves a message for the next log-in screen (why the session ended, "account created"). */
  flash(text: string): void;
  /** The message waiting for the log-in screen, read once. */
  takeReason(): string | null;
  signedIn(user: User): void;
}

export type View = (app: App) => Promise<HTMLElement> | HTMLElement;
