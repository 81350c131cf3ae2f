// The slip page (/slip), for anyone without a smartphone: type the code from a kiosk slip on
// any computer; this page derives the slip's id and key from the code, fetches only that one
// ciphertext, decrypts it here and matches it against the warnings here. It keeps nothing.

import { fromB64, toB64 } from './bytes.js';
import { deriveSlipKeys, normalizeCode, openSlip } from './slipcode.js';
import { $, config, el, say, show, span, t } from './ui.js';
import { checkWarnings } from './warnview.js';

async function fetchSlip(idHex) {
  try {
    const options = { credentials: 'omit', cache: 'no-store' };
    const response = await fetch(`/v1/presence/slips/${idHex}`, options);
    const body = await response.json().catch(() => ({}));
    return { status: response.status, body };
  } catch {
    return { status: 0, body: {} };
  }
}

function problemFor(status) {
  if (status === 0) return t('No internet connection. Connect and try again.');
  if (status === 404) {
    const days = config.slipDays;
    return t('No check-in was found for this code. Check the code. Slips are deleted after %(days)s days.', { days });
  }
  if (status === 429) return t('Too many tries on this service. Please try again in a few minutes.');
  return t('Something went wrong. Please try again later.');
}

async function lookUp(event) {
  event.preventDefault();
  const problem = $('slip-problem');
  const code = normalizeCode($('code').value);
  $('slip-checkin').hidden = true;
  $('warnings').replaceChildren();
  say($('warnings-status'), '');
  if (!code) {
    problem.textContent = t('A code has 12 letters and numbers, like 7KQM-2XWD-9HNC. Check what you typed.');
    $('code').focus();
    return;
  }
  problem.textContent = '';
  say($('progress'), t('Looking for your check-in…'));
  const keys = await deriveSlipKeys(code);
  const { status, body } = await fetchSlip(keys.idHex);
  let checkIn = null;
  if (status === 200) {
    try {
      checkIn = await openSlip(keys, fromB64(body.ciphertext));
    } catch {
      checkIn = null;
    }
  }
  say($('progress'), '');
  if (!checkIn) {
    problem.textContent = problemFor(status === 200 ? -1 : status);
    $('code').focus();
    return;
  }
  show(
    $('slip-checkin'),
    [
      el('h2', {}, t('Your check-in')),
      el('p', { dir: 'auto' }, checkIn.description),
      el('p', {}, span(checkIn.start, checkIn.end)),
    ],
    true,
  );
  const entry = { ...checkIn, locationId: toB64(checkIn.locationId), others: 0 };
  await checkWarnings([entry], $('warnings'), $('warnings-status'));
}

$('slip-form').addEventListener('submit', lookUp);
