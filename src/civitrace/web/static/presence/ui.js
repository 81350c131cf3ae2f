// What every presence page's script shares: its translated messages and settings (JSON blocks
// the server renders), dates in the page's language, small DOM helpers, the fragment kept on
// language links, and the service worker that keeps the pages working offline.

const json = (id) => JSON.parse(document.getElementById(id)?.textContent || '{}');
const messages = json('messages');
export const config = json('config');
const language = document.documentElement.lang || 'en';

// The translation of `message` with %(name)s placeholders filled in from `values`.
export function t(message, values = {}) {
  const text = messages[message] ?? message;
  return text.replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? values[name] : whole));
}

const format = (options) => new Intl.DateTimeFormat(language, options);
const timeFormat = format({ hour: 'numeric', minute: '2-digit' });
const utcDayFormat = format({ weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' });

export const nowSeconds = () => Math.floor(Date.now() / 1000);
export const clock = (seconds) => timeFormat.format(new Date(seconds * 1000));
export const utcDay = (dayNumber) => utcDayFormat.format(new Date(dayNumber * 86400000));

const rangeFormat = format({
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  hour: 'numeric',
  minute: '2-digit',
});

// "Monday, 3 May, 14:05 – 15:05" in the page's language (the end's day only if it differs).
export const span = (start, end) =>
  rangeFormat.formatRange(new Date(start * 1000), new Date(Math.max(start, end) * 1000));

// A name typed by someone else (a venue's), isolated so that its own writing direction cannot
// reorder the sentence around it.
export const isolate = (text) => `\u2068${text}\u2069`;

// <input type="datetime-local"> value for a unix time, in local time, and back.
export function localInput(seconds) {
  const date = new Date(seconds * 1000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(
    date.getHours(),
  )}:${pad(date.getMinutes())}`;
}
export const fromLocalInput = (value) => {
  const time = new Date(value).getTime();
  return Number.isFinite(time) ? Math.floor(time / 1000) : null;
};

// el('p', {class: 'hint'}, 'text', child…): attributes starting with "on" become listeners.
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  node.append(...children.flat().filter((child) => child !== null && child !== undefined));
  return node;
}

export const $ = (id) => document.getElementById(id);

// Show `nodes` in `region`, replacing what was there; focus its heading when asked, so that
// keyboard and screen-reader users land on what changed.
export function show(region, nodes, focus = false) {
  region.replaceChildren(...[nodes].flat());
  region.hidden = false;
  const heading = focus && region.querySelector('h2, h3');
  if (heading) {
    heading.tabIndex = -1;
    heading.focus();
  }
}

export function say(region, text, kind = '') {
  region.className = kind ? `notice ${kind}` : '';
  region.textContent = text;
  region.hidden = !text;
}

// The language switcher's links drop the fragment, which holds the venue: put it back.
export function keepFragment() {
  if (!location.hash) return;
  for (const link of document.querySelectorAll('.languages a')) {
    link.href = link.href.split('#')[0] + location.hash;
  }
}

export function registerWorker() {
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js').catch(() => {
      // offline use is a bonus: the page works online without it
    });
  }
}

// POST JSON, resolving to {status, body} (status 0 when the network failed).
export async function postJson(url, document, headers = {}) {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(document),
      credentials: 'omit',
      cache: 'no-store',
    });
    return { status: response.status, body: await response.json().catch(() => ({})) };
  } catch {
    return { status: 0, body: {} };
  }
}
