import type { VaultRecord } from '@tessera/client';
import type { App } from '../app.js';
import { alertBox, busy, field, formatDate, h } from '../dom.js';
import { messageFor } from '../messages.js';

const group4 = (digits: string) => digits.replace(/(.{4})(?=.)/g, '$1 ');

function label(record: VaultRecord): string {
  const meta = record.metadata as { label?: unknown } | null;
  return typeof meta?.label === 'string' && meta.label ? meta.label : 'Card';
}

function cardItem(
  app: App,
  record: VaultRecord,
  error: ReturnType<typeof alertBox>,
): HTMLLIElement {
  const value = h('span', { class: 'mono', id: `v-${record.token}` }, record.masked);
  const reveal = h(
    'button',
    {
      type: 'button',
      class: 'small',
      'aria-controls': value.id,
      'aria-label': `Reveal ${label(record)} ${record.masked}`,
    },
    'Reveal',
  );
  const remove = h(
    'button',
    {
      type: 'button',
      class: 'small danger',
      'aria-label': `Delete ${label(record)} ${record.masked}`,
    },
    'Delete',
  );
  let shown = false;
  reveal.addEventListener('click', async () => {
    error.clear();
    if (shown) {
      value.textContent = record.masked;
      reveal.textContent = 'Reveal';
      reveal.setAttribute('aria-label', `Reveal ${label(record)} ${record.masked}`);
      shown = false;
      return;
    }
    reveal.disabled = true;
    try {
      value.textContent = group4(
        await app.client.vault.reveal(record.token, 'cards: owner revealed'),
      );
      reveal.textContent = 'Hide';
      reveal.setAttribute('aria-label', `Hide ${label(record)} number`);
      shown = true;
    } catch (err) {
      error.show(messageFor(err));
    } finally {
      reveal.disabled = false;
    }
  });
  const item = h(
    'li',
    { class: 'item', 'data-token': record.token },
    h(
      'div',
      {},
      h('strong', {}, label(record)),
      ' ',
      value,
      h(
        'small',
        {},
        'Token ',
        h('code', {}, record.token),
        ` · added ${formatDate(record.created_at)}`,
      ),
    ),
    h('div', { class: 'actions' }, reveal, remove),
  );
  remove.addEventListener('click', async () => {
    if (!window.confirm(`Delete ${label(record)} ${record.masked}? It cannot be recovered.`))
      return;
    remove.disabled = true;
    try {
      await app.client.vault.delete(record.token);
      item.remove();
      app.notify('Card deleted.');
    } catch (err) {
      remove.disabled = false;
      error.show(messageFor(err));
    }
  });
  return item;
}

export async function cardsView(app: App): Promise<HTMLElement> {
  const section = h(
    'section',
    { 'aria-labelledby': 'title' },
    h('h1', { id: 'title', tabindex: '-1' }, 'Cards'),
    h(
      'p',
      {},
      'Card numbers are stored encrypted in the vault; this page keeps only tokens and masks.',
    ),
  );
  const error = alertBox();
  const list = h('ul', { class: 'list', 'aria-label': 'Saved cards' });
  try {
    const { items } = await app.client.vault.list({ type: 'card', limit: 100 });
    for (const record of items) list.append(cardItem(app, record, error));
  } catch (err) {
    error.show(messageFor(err));
  }

  const number = field(
    'Card number',
    { name: 'card', type: 'text', inputmode: 'numeric', autocomplete: 'cc-number', required: true },
    '12 to 19 digits; spaces are fine.',
  );
  const name = field('Label (optional)', { name: 'label', type: 'text', maxlength: '60' });
  const formError = alertBox();
  const result = h('div', { class: 'result', role: 'status' });
  const form = h(
    'form',
    { class: 'card', novalidate: true, 'aria-labelledby': 'add-title' },
    h('h2', { id: 'add-title' }, 'Add a card'),
    number.wrap,
    name.wrap,
    formError.el,
    h('button', { type: 'submit' }, 'Add card'),
    result,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    formError.clear();
    result.replaceChildren();
    const digits = number.input.value.replace(/[\s-]/g, '');
    if (!/^\d{12,19}$/.test(digits)) {
      formError.show('Enter a card number of 12 to 19 digits.');
      number.input.focus();
      return;
    }
    try {
      const record = await busy(form, () =>
        app.client.vault.tokenize({
          type: 'card',
          value: digits,
          ...(name.input.value.trim() ? { metadata: { label: name.input.value.trim() } } : {}),
        }),
      );
      number.input.value = '';
      name.input.value = '';
      result.replaceChildren(
        h(
          'p',
          {},
          'Saved. Token ',
          h('code', { class: 'new-token' }, record.token),
          ' · ',
          h('span', { class: 'mono' }, record.masked),
        ),
      );
      list.prepend(cardItem(app, record, error));
    } catch (err) {
      formError.show(
        err instanceof Error && 'error' in err && err.error === 'invalid_request'
          ? 'That is not a valid card number (check the digits).'
          : messageFor(err),
      );
    }
  });
  section.append(form, h('h2', {}, 'Saved cards'), error.el, list);
  return section;
}
