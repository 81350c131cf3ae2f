// The venue form (/venue/new): check the fields, make the payload here with a random seed,
// show the check-in link, a QR preview, poster downloads and the kiosk link. The payload
// reaches the server only for the preview and the posters, and the server keeps nothing.

import { base64url, checkInUrl, encodePayload, kioskPath, newSeed } from './payload.js';
import { check } from './rules.js';

const config = JSON.parse(document.getElementById('venue-config').textContent);
const FIELDS = ['description', 'address', 'type', 'start', 'end', 'stay'];
const $ = (id) => document.getElementById(id);
const say = (message, values = {}) =>
  (config.messages[message] ?? message).replace(/%\((\w+)\)s/g, (_, key) => values[key] ?? '');

let current = null; // { encoded, venue }
let downloadUrl = null;
let previewUrl = null;

function showEventTimes() {
  const type = Number($('type').value);
  const temporary = $('type').value !== '' && !config.permanentTypes.includes(type);
  $('event-times').hidden = !temporary;
}

function clearErrors() {
  for (const field of FIELDS) {
    const input = $(field);
    const message = $(`${field}-error`);
    message.hidden = true;
    message.textContent = '';
    input.removeAttribute('aria-invalid');
    const described = (input.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .filter((id) => id && id !== `${field}-error`);
    if (described.length) input.setAttribute('aria-describedby', described.join(' '));
    else input.removeAttribute('aria-describedby');
  }
  $('error-list').replaceChildren();
  $('error-summary').hidden = true;
}

// Each message next to its field (tied by aria-describedby) and in the summary, which takes
// focus and is announced (role="alert"); each summary entry links to its field.
function showErrors(errors) {
  const items = [];
  for (const field of FIELDS) {
    const rule = errors[field];
    if (!rule) continue;
    const text = config.rules[rule] ?? rule;
    const input = $(field);
    const message = $(`${field}-error`);
    message.textContent = text;
    message.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    const described = (input.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);
    input.setAttribute('aria-describedby', [`${field}-error`, ...described].join(' '));
    const link = document.createElement('a');
    link.href = `#${field}`;
    link.textContent = text;
    link.addEventListener('click', (event) => {
      event.preventDefault();
      input.focus();
    });
    const item = document.createElement('li');
    item.append(link);
    items.push(item);
  }
  $('error-list').replaceChildren(...items);
  $('error-summary').hidden = false;
  $('error-summary').focus();
}

function formValues() {
  return Object.fromEntries(FIELDS.map((field) => [field, $(field).value]));
}

async function post(format, languages, paper) {
  const response = await fetch(config.posterPath, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ payload: current.encoded, languages, paper, format, host: location.host }),
    cache: 'no-store',
    credentials: 'omit',
    referrerPolicy: 'no-referrer',
  });
  if (!response.ok) {
    let reason = `${response.status}`;
    try {
      reason = (await response.json()).error ?? reason;
    } catch {
      // not JSON: the status says enough
    }
    throw new Error(reason);
  }
  return response.blob();
}

async function showPreview() {
  const image = $('qr-preview');
  image.hidden = true;
  try {
    const blob = await post('qr', ['en'], 'a4');
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = URL.createObjectURL(blob);
    image.src = previewUrl;
    image.alt = say('QR code for %(name)s', { name: current.venue.description });
    image.hidden = false;
  } catch {
    // The link below is the same code; the preview is a convenience.
  }
}

function showResult(venue, encoded) {
  current = { venue, encoded };
  $('checkin-url').value = checkInUrl(location.host, encoded);
  $('kiosk-link').href = kioskPath(encoded);
  $('result-venue').textContent = venue.description;
  $('result-address').textContent = venue.address;
  $('copy-status').textContent = '';
  $('poster-status').textContent = '';
  $('poster-link').hidden = true;
  $('venue-form').hidden = true;
  $('result').hidden = false;
  $('result').focus();
  showPreview();
}

function onSubmit(event) {
  event.preventDefault();
  clearErrors();
  const { errors, venue } = check(formValues(), config);
  if (!venue) {
    showErrors(errors);
    return;
  }
  const encoded = base64url(encodePayload({ ...venue, seed: newSeed() }));
  showResult(venue, encoded);
}

async function onCopy() {
  const field = $('checkin-url');
  try {
    await navigator.clipboard.writeText(field.value);
    $('copy-status').textContent = say('Copied.');
  } catch {
    field.select();
    $('copy-status').textContent = say('Select the link and copy it.');
  }
}

async function onPoster(event) {
  event.preventDefault();
  const format = event.submitter?.value === 'svg' ? 'svg' : 'pdf';
  const form = $('poster-form');
  const languages = [...form.querySelectorAll('input[name=languages]:checked')].map((box) => box.value);
  const paper = form.querySelector('input[name=paper]:checked')?.value ?? 'a4';
  const error = $('languages-error');
  error.hidden = true;
  if (!languages.length) {
    error.textContent = say('Choose at least one language.');
    error.hidden = false;
    form.querySelector('input[name=languages]').focus();
    return;
  }
  const status = $('poster-status');
  const link = $('poster-link');
  link.hidden = true;
  status.textContent = say('Making your poster…');
  try {
    const blob = await post(format, languages, paper);
    if (downloadUrl) URL.revokeObjectURL(downloadUrl);
    downloadUrl = URL.createObjectURL(blob);
    const name = `poster-${paper}.${format}`;
    link.href = downloadUrl;
    link.download = name;
    link.textContent = name;
    link.hidden = false;
    status.textContent = say('Your poster is ready. If the download did not start, use this link:');
    link.click();
  } catch (failure) {
    status.textContent = `${say('The poster could not be made:')} ${failure.message}`;
  }
}

function startAgain() {
  current = null;
  $('result').hidden = true;
  $('venue-form').hidden = false;
  $('venue-form').reset();
  showEventTimes();
  $('description').focus();
}

$('type').addEventListener('change', showEventTimes);
$('venue-form').addEventListener('submit', onSubmit);
$('copy-url').addEventListener('click', onCopy);
$('poster-form').addEventListener('submit', onPoster);
$('start-again').addEventListener('click', startAgain);
showEventTimes();
