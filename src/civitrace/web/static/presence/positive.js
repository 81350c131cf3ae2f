// "I tested positive" (/positive): with the code from the health authority, the person picks
// which check-ins to share; this page turns them into CheckInProtectedReports in the browser,
// pads them with fake reports so their number says nothing, and submits them bound to a
// verification certificate. The server learns encrypted reports only: it cannot read a venue
// or a time, and cannot tell real reports from fake ones.

import { randomBytes, toB64 } from './bytes.js';
import { listCheckIns } from './store.js';
import { buildReports, reportJson, reportMac } from './submission.js';
import { $, config, el, isolate, nowSeconds, postJson, say, show, span, t } from './ui.js';

const ACCEPT = ['likely', 'user-report']; // confirmed, likely, user-report: never negative
const apiHeaders = () => ({ 'X-API-Key': config.apiKey });

function problemFor(status, body) {
  const code = body.errorCode || body.code || '';
  if (status === 0) return t('No internet connection. Connect and try again.');
  if (status === 429) return t('Too many tries. Please wait an hour and try again.');
  if (status === 412) return t('This code cannot be used to warn others. Ask the health authority.');
  if (code === 'code_expired') return t('This code has expired. Ask the health authority for a new one.');
  if (code === 'code_invalid') return t('This code is not valid. Check it and try again.');
  if (code === 'certificate_already_used') return t('This code was already used to send check-ins.');
  return t('Something went wrong. Please try again later.');
}

let verified = null; // {token, symptomDate, testDate}
let pending = null; // a submission ready to be sent again

async function verifyCode(event) {
  event.preventDefault();
  const code = $('code').value.trim();
  const problem = $('code-problem');
  if (!code) {
    problem.textContent = t('Enter the code from the health authority.');
    return;
  }
  problem.textContent = '';
  say($('progress'), t('Checking the code…'));
  const { status, body } = await postJson('/api/verify', { code, accept: ACCEPT }, apiHeaders());
  say($('progress'), '');
  if (status !== 200 || !body.token) {
    problem.textContent = problemFor(status, body);
    $('code').focus();
    return;
  }
  verified = { token: body.token, symptomDate: body.symptomDate, testDate: body.testDate };
  $('code-form').hidden = true;
  await chooseCheckIns();
}

async function chooseCheckIns() {
  let entries = [];
  try {
    entries = (await listCheckIns()).filter((entry) => entry.start <= nowSeconds());
  } catch {
    // nothing readable: said below
  }
  const region = $('choose');
  if (!entries.length) {
    show(region, [
      el('h2', {}, t('No check-ins to share')),
      el('p', {}, t('There are no check-ins on this device from the last 15 days. There is nothing to send.')),
    ], true);
    return;
  }
  const boxes = entries.map((entry) =>
    el(
      'li',
      {},
      el('input', { type: 'checkbox', id: `share-${entry.id}`, value: entry.id, checked: true }),
      el(
        'label',
        { for: `share-${entry.id}`, class: 'inline' },
        `${isolate(entry.description)} — ${span(entry.start, entry.end)}`,
      ),
    ),
  );
  const send = async (event) => {
    event.preventDefault();
    const chosen = new Set(
      [...region.querySelectorAll('input:checked')].map((box) => Number(box.value)),
    );
    if (!chosen.size) {
      say($('progress'), t('Choose at least one check-in.'), 'warn');
      return;
    }
    await submit(entries.filter((entry) => chosen.has(entry.id)));
  };
  show(
    region,
    [
      el('h2', {}, t('Choose the check-ins to share')),
      el('p', {}, t('Leave a place unticked if you do not want to share it.')),
      el(
        'form',
        { onsubmit: send },
        el(
          'fieldset',
          {},
          el('legend', {}, t('Your check-ins')),
          el('ul', { class: 'plain' }, boxes),
        ),
        el('p', { class: 'hint' }, t('The server gets only encrypted entries mixed with fake ones. Only people who checked in at the same place can read them, and only on their own device.')),
        el(
          'div',
          { class: 'actions' },
          el('button', { type: 'submit', id: 'send' }, t('Send and warn others')),
        ),
      ),
    ],
    true,
  );
}

async function submit(entries) {
  $('send').disabled = true;
  say($('progress'), t('Sending…'));
  if (!pending) {
    const { reports } = await buildReports(entries, verified.symptomDate, verified.testDate);
    const hmacKey = randomBytes(32);
    const ekeyhmac = toB64(await reportMac(hmacKey, reports));
    const request = { token: verified.token, ekeyhmac };
    const certificate = await postJson('/api/certificate', request, apiHeaders());
    if (certificate.status !== 200 || !certificate.body.certificate) {
      failed(certificate.status, certificate.body);
      return;
    }
    pending = {
      healthAuthorityID: config.authority,
      verificationPayload: certificate.body.certificate,
      hmacKey: toB64(hmacKey),
      checkInProtectedReports: reports.map(reportJson),
    };
  }
  const { status, body } = await postJson('/v1/presence/reports', pending);
  if (status !== 200) {
    failed(status, body);
    return;
  }
  pending = null;
  $('choose').hidden = true;
  say($('progress'), '');
  show(
    $('result'),
    [
      el('h2', {}, t('Thank you. Your check-ins were sent.')),
      el('p', {}, t('The health authority will check them, then warn the people who were there at the same time. Nobody will learn who you are.')),
      el('p', {}, t('Please follow the advice you were given with your test result.')),
    ],
    true,
  );
}

// A network failure or a server error may pass: the same submission can be sent again.
function failed(status, body) {
  const retry = status === 0 || status >= 500;
  say($('progress'), problemFor(status, body), 'warn');
  $('send').disabled = !retry;
  if (!retry) pending = null;
}

function main() {
  if (!config.apiKey || !config.authority) {
    $('code-form').hidden = true;
    say($('progress'), t('Sharing check-ins is not set up on this service yet. Please ask the health authority.'), 'warn');
    return;
  }
  $('code-form').addEventListener('submit', verifyCode);
  const fromLink = /(?:^#|&)code=([^&]+)/.exec(location.hash);
  if (fromLink) $('code').value = decodeURIComponent(fromLink[1]);
}

main();
