import type { Session } from '@tessera/client';
import type { App } from '../app.js';
import { alertBox, formatDate, h } from '../dom.js';
import { messageFor } from '../messages.js';

/** A readable device name from a user agent, without a parsing library. */
function device(ua: string | null): string {
  if (!ua) return 'Unknown device';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Chrome\//.test(ua)
      ? 'Chrome'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /Safari\//.test(ua)
          ? 'Safari'
          : /node|undici/i.test(ua)
            ? 'A program'
            : 'A browser';
  const os = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac OS X/.test(ua)
          ? 'macOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : '';
  return os ? `${browser} on ${os}` : browser;
}

export async function sessionsView(app: App): Promise<HTMLElement> {
  const section = h(
    'section',
    { 'aria-labelledby': 'title' },
    h('h1', { id: 'title', tabindex: '-1' }, 'Sessions'),
    h('p', {}, 'Where your account is signed in. End any session you do not recognise.'),
  );
  const error = alertBox();
  let sessions: Session[];
  try {
    sessions = (await app.client.sessions.list()).sessions;
  } catch (err) {
    error.show(messageFor(err));
    section.append(error.el);
    return section;
  }

  const list = h('ul', { class: 'list', 'aria-label': 'Active sessions' });
  const others = sessions.filter((s) => !s.current).length;
  const everywhere = h(
    'button',
    { type: 'button', class: 'danger', disabled: others === 0 },
    'Sign out everywhere else',
  );

  for (const s of sessions) {
    const revoke = h(
      'button',
      {
        type: 'button',
        class: 'small danger',
        'aria-label': `End session: ${device(s.user_agent)}, started ${formatDate(s.created_at)}`,
      },
      s.current ? 'Sign out' : 'End session',
    );
    revoke.addEventListener('click', async () => {
      revoke.disabled = true;
      error.clear();
      try {
        if (s.current) return await app.client.logout();
        await app.client.sessions.revoke(s.id);
        row.remove();
        everywhere.disabled = list.querySelector('li:not(.current)') === null;
        app.notify('Session ended.');
      } catch (err) {
        revoke.disabled = false;
        error.show(messageFor(err));
      }
    });
    const row = h(
      'li',
      { class: s.current ? 'item current' : 'item', 'data-session': s.id },
      h(
        'div',
        {},
        h('strong', {}, device(s.user_agent)),
        s.current ? h('span', { class: 'badge' }, 'This device') : null,
        h(
          'small',
          {},
          `Signed in ${formatDate(s.created_at)} · last active ${formatDate(s.last_used_at)}${s.ip ? ` · ${s.ip}` : ''}`,
        ),
      ),
      revoke,
    );
    list.append(row);
  }
  everywhere.addEventListener('click', async () => {
    everywhere.disabled = true;
    error.clear();
    try {
      await app.client.sessions.revokeOthers();
      app.go('sessions');
      app.notify(`Signed out of ${others} other session${others === 1 ? '' : 's'}.`);
    } catch (err) {
      everywhere.disabled = false;
      error.show(messageFor(err));
    }
  });
  section.append(error.el, list, everywhere);
  return section;
}
