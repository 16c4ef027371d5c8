/**
 * A tiny element builder. Text always goes in as text nodes (never innerHTML),
 * so nothing the server or a user typed can become markup.
 */
type Child = Node | string | null | undefined | false;
type Props = Record<string, string | boolean | EventListener | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.slice(2).toLowerCase(), value);
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

let ids = 0;

/** A labelled input: `<label for>` + `<input id>` + an optional hint. */
export function field(
  label: string,
  input: Props & { name: string },
  hint?: string,
): { wrap: HTMLDivElement; input: HTMLInputElement } {
  const id = `f${++ids}-${input.name}`;
  const hintId = hint ? `${id}-hint` : undefined;
  const el = h('input', { id, ...input, 'aria-describedby': hintId });
  const wrap = h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    el,
    hint ? h('small', { id: hintId ?? '' }, hint) : null,
  );
  return { wrap, input: el };
}

/** An inline, announced error or status line inside a form. */
export function alertBox(): { el: HTMLParagraphElement; show(text: string): void; clear(): void } {
  const el = h('p', { class: 'alert', role: 'alert', hidden: true });
  return {
    el,
    show(text) {
      el.textContent = text;
      el.hidden = false;
    },
    clear() {
      el.textContent = '';
      el.hidden = true;
    },
  };
}

/** Disables a form's controls while `work` runs, so a double click sends once. */
export async function busy<T>(form: HTMLFormElement, work: () => Promise<T>): Promise<T> {
  const controls = [
    ...form.querySelectorAll<HTMLButtonElement | HTMLInputElement>('button, input'),
  ];
  for (const c of controls) c.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    for (const c of controls) c.disabled = false;
    form.removeAttribute('aria-busy');
  }
}

export function formatDate(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
