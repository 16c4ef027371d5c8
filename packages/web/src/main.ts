import { createClient, type User } from '@tessera/client';
import type { App, Route, View } from './app.js';
import { h } from './dom.js';
import { endedMessage } from './messages.js';
import { loginView, signupView } from './views/auth.js';
import { cardsView } from './views/cards.js';
import { profileView } from './views/profile.js';
import { sessionsView } from './views/sessions.js';

// Same origin; access token in memory, refresh token in the HttpOnly cookie.
const client = createClient();
const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const notice = document.getElementById('notice')!;

const views: Record<Route, View> = {
  login: loginView,
  signup: signupView,
  profile: profileView,
  cards: cardsView,
  sessions: sessionsView,
};
const PUBLIC: ReadonlySet<Route> = new Set(['login', 'signup']);
const TITLES: Record<Route, string> = {
  login: 'Log in',
  signup: 'Sign up',
  profile: 'Profile',
  cards: 'Cards',
  sessions: 'Sessions',
};

let user: User | null = null;
let reason: string | null = null;
let renders = 0;

const app: App = {
  client,
  user: () => user,
  go(route) {
    if (location.hash === `#/${route}`) void render();
    else location.hash = `#/${route}`;
  },
  notify(text, kind = 'info') {
    notice.replaceChildren(h('p', { class: `notice ${kind}` }, text));
  },
  flash(text) {
    reason = text;
  },
  takeReason() {
    const r = reason;
    reason = null;
    return r;
  },
  signedIn(u) {
    user = u;
  },
};

function current(): Route {
  const name = location.hash.replace(/^#\/?/, '') as Route;
  if (name in views) return name;
  return user ? 'profile' : 'login';
}

function renderNav(route: Route): void {
  nav.hidden = user === null;
  if (user === null) {
    nav.replaceChildren();
    return;
  }
  const link = (to: Route) =>
    h('a', { href: `#/${to}`, 'aria-current': route === to ? 'page' : undefined }, TITLES[to]);
  const signOut = h('button', { type: 'button', class: 'link' }, 'Sign out');
  signOut.addEventListener('click', async () => {
    signOut.disabled = true;
    await client.logout(); // the session-ended listener returns to log in
  });
  nav.replaceChildren(link('profile'), link('cards'), link('sessions'), signOut);
}

async function render(): Promise<void> {
  const route = current();
  if (!PUBLIC.has(route) && user === null) {
    reason ??= 'Please log in to continue.';
    return app.go('login');
  }
  if (PUBLIC.has(route) && user !== null) return app.go('profile');
  const mine = ++renders;
  renderNav(route);
  document.title = `${TITLES[route]} · Tessera`;
  const view = await views[route](app);
  if (mine !== renders) return; // the user moved on while this screen loaded
  main.replaceChildren(view);
  // Move focus to the new screen's heading so keyboard and screen-reader users follow along.
  main.querySelector<HTMLElement>('h1')?.focus();
}

client.on('session-ended', ({ reason: why }) => {
  user = null;
  reason = endedMessage(why);
  notice.replaceChildren();
  app.go('login');
});
window.addEventListener('hashchange', () => {
  notice.replaceChildren();
  void render();
});

// A reload keeps the session: the refresh cookie brings a new access token.
client
  .restore()
  .then((u) => {
    user = u;
  })
  .catch(() => {
    user = null;
  })
  .finally(() => {
    // Logging in here, or in another tab (the token hand-off), opens the app.
    client.on('signed-in', async ({ user: u }) => {
      if (user !== null) return;
      user = u ?? (await client.me().catch(() => null));
      if (user && PUBLIC.has(current())) app.go('profile');
    });
    void render();
  });
