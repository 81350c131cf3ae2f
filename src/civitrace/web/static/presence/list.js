// "My check-ins and warnings" (/checkin/list): every check-in kept on this device, to check
// out, correct or delete, and the warnings matched against them on this device.

import { listCheckIns, deleteAll, deleteCheckIn, saveCheckIn } from './store.js';
import {
  $,
  el,
  fromLocalInput,
  localInput,
  nowSeconds,
  registerWorker,
  say,
  show,
  span,
  t,
} from './ui.js';
import { checkWarnings } from './warnview.js';

const MAX_STAY = 24 * 3600;

function confirmRow(question, yes, onYes, onNo) {
  return el(
    'div',
    { class: 'confirm', role: 'group', 'aria-label': question },
    el('p', {}, question),
    el(
      'div',
      { class: 'actions' },
      el('button', { type: 'button', class: 'danger', onclick: onYes }, yes),
      el('button', { type: 'button', class: 'secondary', onclick: onNo }, t('No, keep it')),
    ),
  );
}

function editForm(entry, itemId) {
  const id = `entry-${entry.id}`;
  const input = (name, seconds) =>
    el('input', { type: 'datetime-local', id: `${id}-${name}`, value: localInput(seconds), required: true });
  const start = input('start', entry.start);
  const end = input('end', entry.end);
  const problem = el('p', { class: 'error', id: `${id}-problem`, role: 'alert' });
  const save = async (event) => {
    event.preventDefault();
    const from = fromLocalInput(start.value);
    const to = fromLocalInput(end.value);
    const now = nowSeconds();
    let error = '';
    if (from === null || to === null) error = t('Enter a date and a time.');
    else if (from > now) error = t('The arrival time cannot be in the future.');
    else if (to <= from) error = t('The time you left must be after the time you arrived.');
    else if (to - from > MAX_STAY) error = t('A stay can be at most 24 hours.');
    if (error) {
      problem.textContent = error;
      return;
    }
    await saveCheckIn({ ...entry, start: from, end: to, out: to <= now });
    await render(itemId);
  };
  return el(
    'form',
    { class: 'edit', onsubmit: save, 'aria-describedby': problem.id },
    el('label', { for: start.id }, t('When you arrived')),
    start,
    el('label', { for: end.id }, t('When you left')),
    end,
    problem,
    el(
      'div',
      { class: 'actions' },
      el('button', { type: 'submit' }, t('Save')),
      el('button', { type: 'button', class: 'secondary', onclick: () => render(itemId) }, t('Cancel')),
    ),
  );
}

function entryItem(entry, now) {
  const open = !entry.out && entry.end > now;
  const itemId = `entry-${entry.id}`;
  const actions = el('div', { class: 'actions' });
  const replaceActions = (...nodes) => actions.replaceChildren(...nodes);
  const editButton = el(
    'button',
    {
      type: 'button',
      class: 'secondary',
      onclick: () => {
        const form = editForm(entry, itemId);
        replaceActions(form);
        form.querySelector('input').focus();
      },
    },
    t('Change times'),
  );
  const deleteButton = el(
    'button',
    {
      type: 'button',
      class: 'secondary',
      onclick: () => {
        const row = confirmRow(
          t('Delete this check-in?'),
          t('Yes, delete'),
          async () => {
            await deleteCheckIn(entry.id);
            await render('entries-title');
          },
          () => render(itemId),
        );
        replaceActions(row);
        row.querySelector('button').focus();
      },
    },
    t('Delete'),
  );
  const checkOutButton = open
    ? el(
        'button',
        {
          type: 'button',
          onclick: async () => {
            await saveCheckIn({ ...entry, end: Math.max(entry.start, nowSeconds()), out: true });
            await render(itemId);
          },
        },
        t('Check out now'),
      )
    : null;
  actions.append(...[checkOutButton, editButton, deleteButton].filter(Boolean));
  return el(
    'li',
    { id: itemId, class: 'entry' },
    el('h3', { dir: 'auto' }, entry.description),
    el('p', { class: 'hint', dir: 'auto' }, entry.address),
    el('p', {}, span(entry.start, entry.end)),
    entry.others ? el('p', {}, t('You + %(n)s more', { n: entry.others })) : null,
    open ? el('p', { class: 'now' }, t('Checked in now. You will be checked out automatically at the end time.')) : null,
    actions,
  );
}

async function render(focusId = null) {
  const now = nowSeconds();
  let entries = [];
  try {
    entries = await listCheckIns(now);
  } catch {
    say($('list-status'), t('This browser does not let the page read its saved check-ins.'), 'warn');
    return [];
  }
  const list = $('entries');
  if (!entries.length) {
    list.replaceChildren(el('p', {}, t('You have no check-ins on this device.')));
    $('delete-all').hidden = true;
  } else {
    const items = entries.map((entry) => entryItem(entry, now));
    list.replaceChildren(el('ul', { class: 'entries' }, items));
    $('delete-all').hidden = false;
  }
  const target = focusId && $(focusId);
  if (target) {
    const heading = target.querySelector('h3') || target;
    heading.tabIndex = -1;
    heading.focus();
  }
  return entries;
}

function deleteAllButton() {
  const holder = $('delete-all');
  const ask = () => {
    const row = confirmRow(
      t('Delete all your check-ins from this device?'),
      t('Yes, delete all'),
      async () => {
        await deleteAll();
        holder.replaceChildren(button);
        await render('entries-title');
        $('warnings').replaceChildren();
      },
      () => {
        holder.replaceChildren(button);
        button.focus();
      },
    );
    holder.replaceChildren(row);
    row.querySelector('button').focus();
  };
  const button = el(
    'button',
    { type: 'button', class: 'danger', onclick: ask },
    t('Delete all my check-ins'),
  );
  holder.replaceChildren(button);
}

async function main() {
  registerWorker();
  deleteAllButton();
  const entries = await render();
  await checkWarnings(entries, $('warnings'), $('warnings-status'));
}

main();
