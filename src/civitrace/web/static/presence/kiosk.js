// The venue kiosk (/kiosk?v=1#<payload>), for a tablet at the entrance: a visitor without a
// smartphone taps once and gets a printed slip with a short code. The check-in is encrypted
// here with a key derived from that code and uploaded as ciphertext; this screen keeps
// nothing, and clears the slip for the next visitor.

import { toB64 } from './bytes.js';
import { deriveSlipKeys, newCode, sealSlip } from './slipcode.js';
import { $, config, el, nowSeconds, postJson, say, show, span, t } from './ui.js';
import { isPermanent, plannedEnd, readVenue } from './venue.js';

const CLEAR_AFTER_MS = 120000; // the code must not linger on a shared screen
const STAYS = [30, 60, 120, 180, 240];
let clearTimer;

// Minutes from now to the venue's planned end of a stay (an event's end, or the usual stay).
const minutesLeft = (venue) =>
  Math.max(1, Math.round((plannedEnd(venue.payload, nowSeconds()) - nowSeconds()) / 60));

function stayChoice(venue) {
  const planned = minutesLeft(venue);
  const minutes = [...new Set([planned, ...STAYS])].filter((m) => m > 0).sort((a, b) => a - b);
  const select = el(
    'select',
    { id: 'stay' },
    minutes.map((m) => el('option', { value: m, selected: m === planned }, t('%(minutes)s minutes', { minutes: m }))),
  );
  return [el('label', { for: 'stay' }, t('How long will you stay?')), select];
}

async function upload(venue, minutes) {
  for (let attempt = 0; attempt < 2; attempt++) {
    const code = newCode();
    const keys = await deriveSlipKeys(code);
    const start = nowSeconds();
    const checkIn = {
      locationId: venue.locationId,
      start,
      end: start + minutes * 60,
      description: venue.payload.description,
    };
    const ciphertext = await sealSlip(keys, checkIn);
    const body = { id: keys.idHex, ciphertext: toB64(ciphertext) };
    const { status } = await postJson('/v1/presence/slips', body);
    if (status === 200) return { code, checkIn };
    if (status !== 409) return { status };
  }
  return { status: 409 };
}

function clearSlip() {
  clearTimeout(clearTimer);
  $('slip').replaceChildren();
  $('slip').hidden = true;
  $('kiosk-action').hidden = false;
  say($('progress'), '');
  $('check-in').focus();
}

function showSlip(code, checkIn) {
  const address = `${location.origin}/slip`;
  show(
    $('slip'),
    [
      el('h2', { id: 'slip-title' }, t('Check-in slip')),
      el('p', { class: 'slip-venue', dir: 'auto' }, checkIn.description),
      el('p', {}, span(checkIn.start, checkIn.end)),
      el('p', {}, t('Your code:')),
      el('p', { class: 'slip-code', id: 'slip-code' }, code),
      el('p', {}, t('To find out if you should take care, go to %(address)s on any computer or phone and type this code.', { address })),
      el('p', {}, t('Keep this slip for %(days)s days. Do not show the code to others: anyone with it can see this check-in.', { days: config.slipDays })),
      el(
        'div',
        { class: 'actions no-print' },
        el('button', { type: 'button', class: 'secondary', onclick: () => window.print() }, t('Print again')),
        el('button', { type: 'button', id: 'next', onclick: clearSlip }, t('Done: next visitor')),
      ),
    ],
    true,
  );
  $('kiosk-action').hidden = true;
  clearTimer = setTimeout(clearSlip, CLEAR_AFTER_MS);
  window.print();
}

async function main() {
  const version = new URLSearchParams(location.search).get('v');
  const venue = version === '1' ? await readVenue(location.hash.slice(1)) : null;
  if (!venue) {
    show($('venue'), [
      el('h2', {}, t('This code cannot be read')),
      el('p', {}, t('Open this page from the link for your place, with its code after the # sign.')),
    ]);
    return;
  }
  const { description, address, type } = venue.payload;
  show($('venue'), [el('h2', { dir: 'auto' }, description), el('p', { dir: 'auto' }, address)]);
  const button = el(
    'button',
    { type: 'button', id: 'check-in', class: 'big' },
    t('Check in and print my slip'),
  );
  button.addEventListener('click', async () => {
    button.disabled = true;
    say($('progress'), t('Preparing your slip…'));
    const minutes = $('stay') ? Number($('stay').value) : minutesLeft(venue);
    const result = await upload(venue, minutes);
    button.disabled = false;
    if (result.code) {
      say($('progress'), '');
      showSlip(result.code, result.checkIn);
    } else {
      say($('progress'), t('The slip could not be saved. Please try again or ask the staff.'), 'warn');
    }
  });
  show($('kiosk-action'), [...(isPermanent(type) ? stayChoice(venue) : []), button]);
}

window.addEventListener('hashchange', () => location.reload());
main();
