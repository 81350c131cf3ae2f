// The check-in page (/?v=1#<payload>): shows the venue from the URL fragment, checks in with
// one tap (with others, for a caregiver), checks out by tap or at the planned end.

import { toB64 } from './bytes.js';
import { listCheckIns, saveCheckIn } from './store.js';
import {
  $,
  clock,
  el,
  keepFragment,
  nowSeconds,
  registerWorker,
  say,
  show,
  span,
  t,
} from './ui.js';
import { isPermanent, plannedEnd, readVenue } from './venue.js';

const MAX_OTHERS = 20;
let timer;

const isOpen = (entry, now = nowSeconds()) => !entry.out && entry.end > now;

function venueCard(payload) {
  const lines = [
    el('h2', { dir: 'auto' }, payload.description),
    el('p', { dir: 'auto' }, payload.address),
  ];
  if (!isPermanent(payload.type)) {
    lines.push(
      el('p', {}, t('Event: %(time)s', { time: span(payload.startTimestamp, payload.endTimestamp) })),
    );
  }
  return lines;
}

function whoText(others) {
  return others ? t('You + %(n)s more', { n: others }) : t('Just you');
}

function checkInForm(venue) {
  let others = 0;
  const who = el('output', { id: 'who', 'aria-live': 'polite' }, whoText(0));
  const change = (by) => {
    others = Math.min(MAX_OTHERS, Math.max(0, others + by));
    who.textContent = whoText(others);
  };
  const button = (id, text, onclick, kind = 'secondary') =>
    el('button', { type: 'button', id, class: kind, onclick }, text);
  const { type, defaultLength: minutes } = venue.payload;
  return [
    el(
      'fieldset',
      { class: 'people' },
      el('legend', {}, t('Who is checking in?')),
      el('p', { class: 'who' }, who),
      el(
        'div',
        { class: 'actions' },
        button('add', t('Add a person'), () => change(1)),
        button('remove', t('Remove a person'), () => change(-1)),
      ),
      el('p', { class: 'hint' }, t('You can check in children or people you care for with you.')),
    ),
    button('check-in', t('Check in'), () => checkIn(venue, others), 'big'),
    isPermanent(type)
      ? el('p', { class: 'hint' }, t('You will be checked out automatically after %(minutes)s minutes.', { minutes }))
      : null,
  ];
}

async function checkIn(venue, others) {
  const start = nowSeconds();
  const entry = {
    payload: toB64(venue.raw),
    locationId: toB64(venue.locationId),
    description: venue.payload.description,
    address: venue.payload.address,
    start,
    end: plannedEnd(venue.payload, start),
    others,
    out: false,
  };
  try {
    entry.id = await saveCheckIn(entry);
  } catch {
    const problem = t('Your phone did not let this page save the check-in. Private browsing may block it.');
    say($('status'), problem, 'warn');
    return;
  }
  checkedIn(entry, true);
}

function checkedIn(entry, focus) {
  clearTimeout(timer);
  const lines = [
    el('h2', {}, t('You are checked in')),
    el('p', {}, t('Since %(time)s.', { time: clock(entry.start) })),
    entry.others ? el('p', {}, whoText(entry.others)) : null,
    el('p', {}, t('You will be checked out automatically at %(time)s.', { time: clock(entry.end) })),
    el(
      'div',
      { class: 'actions' },
      el(
        'button',
        { type: 'button', id: 'check-out', onclick: () => checkOut(entry) },
        t('Check out now'),
      ),
    ),
    el('p', {}, el('a', { href: '/checkin/list' }, t('Change the times or delete this check-in'))),
  ];
  show($('action'), lines, focus);
  const wait = (entry.end - nowSeconds()) * 1000;
  if (wait < 2 ** 31) timer = setTimeout(() => checkedOut(entry, false), Math.max(0, wait));
}

async function checkOut(entry) {
  const now = nowSeconds();
  const updated = { ...entry, end: Math.max(entry.start, Math.min(entry.end, now)), out: true };
  await saveCheckIn(updated);
  checkedOut(updated, true);
}

function checkedOut(entry, focus) {
  clearTimeout(timer);
  show(
    $('action'),
    [
      el('h2', {}, t('You are checked out')),
      el('p', {}, t('You were here from %(start)s to %(end)s.', { start: clock(entry.start), end: clock(entry.end) })),
      el('p', {}, t('If someone who was here at the same time tests positive, you will see a warning in My check-ins.')),
      el('p', {}, el('a', { href: '/checkin/list' }, t('My check-ins and warnings'))),
    ],
    focus,
  );
}

async function main() {
  keepFragment();
  registerWorker();
  const version = new URLSearchParams(location.search).get('v');
  const venue = version === '1' ? await readVenue(location.hash.slice(1)) : null;
  if (!venue) {
    show($('venue'), [
      el('h2', {}, t('This code cannot be read')),
      el('p', {}, t('This is not a valid check-in code. Scan the code on the poster again, or ask the staff.')),
    ]);
    return;
  }
  show($('venue'), venueCard(venue.payload));
  document.title = `${venue.payload.description} · ${document.title}`;
  const id = toB64(venue.locationId);
  let entries = [];
  try {
    entries = await listCheckIns();
  } catch {
    // storage unavailable: checking in will say so
  }
  const current = entries.find((entry) => entry.locationId === id && isOpen(entry));
  if (current) checkedIn(current, false);
  else show($('action'), checkInForm(venue));
  performance.mark('civitrace:venue-shown');
}

// Opening another venue's code in this tab changes only the fragment: start again.
window.addEventListener('hashchange', () => location.reload());
main();
