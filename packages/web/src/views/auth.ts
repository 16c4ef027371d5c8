import type { App } from '../app.js';
import { alertBox, busy, field, h } from '../dom.js';
import { messageFor } from '../messages.js';

let rememberedEmail = '';

export function loginView(app: App): HTMLElement {
  const reason = app.takeReason();
  const email = field('Email', {
    name: 'email',
    type: 'email',
    autocomplete: 'username',
    required: true,
  });
  const password = field('Password', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  email.input.value = rememberedEmail;
  const error = alertBox();
  const form = h(
    'form',
    { class: 'card', novalidate: true },
    email.wrap,
    password.wrap,
    error.el,
    h('button', { type: 'submit' }, 'Log in'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.clear();
    if (!email.input.value.trim() || !password.input.value) {
      error.show('Enter your email and password.');
      return;
    }
    try {
      // The 'signed-in' event opens the profile (main.ts).
      await busy(form, () =>
        app.client.login({ email: email.input.value, password: password.input.value }),
      );
      rememberedEmail = '';
    } catch (err) {
      error.show(messageFor(err));
      password.input.value = '';
      password.input.focus();
    }
  });
  return h(
    'section',
    { 'aria-labelledby': 'title' },
    h('h1', { id: 'title', tabindex: '-1' }, 'Log in'),
    reason ? h('p', { class: 'notice info', role: 'status', 'data-reason': '' }, reason) : null,
    form,
    h('p', {}, 'New here? ', h('a', { href: '#/signup' }, 'Create an account')),
  );
}

export function signupView(app: App): HTMLElement {
  const email = field('Email', {
    name: 'email',
    type: 'email',
    autocomplete: 'email',
    required: true,
  });
  const password = field(
    'Password',
    {
      name: 'password',
      type: 'password',
      autocomplete: 'new-password',
      required: true,
      minlength: '8',
    },
    'At least 8 characters.',
  );
  const name = field('Name (optional)', { name: 'name', type: 'text', autocomplete: 'name' });
  const phone = field(
    'Phone (optional)',
    { name: 'phone', type: 'tel', autocomplete: 'tel', inputmode: 'tel' },
    'International format, e.g. +919876543210. Stored encrypted in the vault.',
  );
  const error = alertBox();
  const form = h(
    'form',
    { class: 'card', novalidate: true },
    email.wrap,
    password.wrap,
    name.wrap,
    phone.wrap,
    error.el,
    h('button', { type: 'submit' }, 'Create account'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.clear();
    if (password.input.value.length < 8) {
      error.show('Choose a password of at least 8 characters.');
      password.input.focus();
      return;
    }
    try {
      await busy(form, () =>
        app.client.register({
          email: email.input.value,
          password: password.input.value,
          ...(name.input.value.trim() ? { name: name.input.value.trim() } : {}),
          ...(phone.input.value.trim() ? { phone: phone.input.value.replace(/[\s-]/g, '') } : {}),
        }),
      );
      rememberedEmail = email.input.value;
      app.flash('Account created. Log in to continue.');
      app.go('login');
    } catch (err) {
      error.show(messageFor(err));
    }
  });
  return h(
    'section',
    { 'aria-labelledby': 'title' },
    h('h1', { id: 'title', tabindex: '-1' }, 'Sign up'),
    form,
    h('p', {}, 'Already have an account? ', h('a', { href: '#/login' }, 'Log in')),
  );
}
