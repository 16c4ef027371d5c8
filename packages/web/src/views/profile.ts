import type { User } from '@tessera/client';
import type { App } from '../app.js';
import { alertBox, busy, field, formatDate, h } from '../dom.js';
import { messageFor } from '../messages.js';

/** Masked phone with a reveal button that detokenizes it (owner only, audited). */
function phoneRow(app: App, user: User): HTMLElement {
  if (user.phone === null || user.phone_token === null) {
    return h('dd', { id: 'phone-value' }, 'Not set');
  }
  const token = user.phone_token;
  const masked = user.phone;
  const value = h('span', { class: 'mono', id: 'phone-value' }, masked);
  const button = h(
    'button',
    { type: 'button', class: 'small', 'aria-controls': 'phone-value' },
    'Reveal',
  );
  const error = alertBox();
  let shown = false;
  button.addEventListener('click', async () => {
    error.clear();
    if (shown) {
      value.textContent = masked;
      button.textContent = 'Reveal';
      shown = false;
      return;
    }
    button.disabled = true;
    try {
      value.textContent = await app.client.vault.reveal(token, 'profile: owner revealed phone');
      button.textContent = 'Hide';
      shown = true;
    } catch (err) {
      error.show(messageFor(err));
    } finally {
      button.disabled = false;
    }
  });
  return h('dd', {}, value, ' ', button, error.el);
}

export async function profileView(app: App): Promise<HTMLElement> {
  const section = h(
    'section',
    { 'aria-labelledby': 'title' },
    h('h1', { id: 'title', tabindex: '-1' }, 'Profile'),
  );
  let user: User;
  try {
    user = await app.client.me();
  } catch (err) {
    section.append(h('p', { class: 'alert', role: 'alert' }, messageFor(err)));
    return section;
  }
  app.signedIn(user);

  const avatar = user.avatar_url
    ? h('img', {
        class: 'avatar',
        src: user.avatar_url,
        alt: `Avatar of ${user.name ?? user.email}`,
        referrerpolicy: 'no-referrer',
      })
    : h(
        'span',
        { class: 'avatar initials', 'aria-hidden': 'true' },
        (user.name ?? user.email).slice(0, 1).toUpperCase(),
      );

  const details = h(
    'dl',
    { class: 'details' },
    h('dt', {}, 'Name'),
    h('dd', { id: 'name-value' }, user.name ?? 'Not set'),
    h('dt', {}, 'Email'),
    h('dd', {}, user.email),
    h('dt', {}, 'Phone'),
    phoneRow(app, user),
    h('dt', {}, 'Member since'),
    h('dd', {}, formatDate(user.created_at)),
  );

  const name = field('Name', { name: 'name', type: 'text', autocomplete: 'name' });
  name.input.value = user.name ?? '';
  const avatarUrl = field(
    'Avatar URL',
    { name: 'avatar_url', type: 'url', inputmode: 'url' },
    'An https:// image address; leave empty for none.',
  );
  avatarUrl.input.value = user.avatar_url ?? '';
  const phone = field(
    'New phone',
    { name: 'phone', type: 'tel', autocomplete: 'tel', inputmode: 'tel' },
    'E.164, e.g. +919876543210. Leave empty to keep the current one.',
  );
  const error = alertBox();
  const form = h(
    'form',
    { class: 'card', novalidate: true, 'aria-labelledby': 'edit-title' },
    h('h2', { id: 'edit-title' }, 'Edit profile'),
    name.wrap,
    avatarUrl.wrap,
    phone.wrap,
    error.el,
    h('button', { type: 'submit' }, 'Save'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.clear();
    const newPhone = phone.input.value.replace(/[\s-]/g, '');
    try {
      await busy(form, () =>
        app.client.updateMe({
          name: name.input.value.trim() || null,
          avatar_url: avatarUrl.input.value.trim() || null,
          ...(newPhone ? { phone: newPhone } : {}),
        }),
      );
      app.go('profile');
      app.notify('Profile saved.');
    } catch (err) {
      error.show(messageFor(err));
    }
  });

  section.append(h('div', { class: 'card profile' }, avatar, details), form);
  return section;
}
