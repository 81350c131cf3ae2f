// What a person who tested positive sends: their chosen check-ins as encrypted reports, padded
// with fakes (civitrace.presence.report.pad_with_fakes), and the HMAC that binds them to the
// verification certificate (civitrace.server.presence.binding).

import { fromB64, toB64, utf8 } from './bytes.js';
import { dayNumber, isoDayNumber, levelFor, shareableRecords } from './records.js';
import { encryptRecord, fakeReport } from './reports.js';

const MIN_REPORTS = 20; // constants.MIN_SUBMITTED_REPORTS
const MAX_EXTRA_FAKES = 10; // constants.MAX_EXTRA_FAKE_REPORTS
const LABEL = 'civitrace-presence-reports-v1'; // server.presence.binding.LABEL

// A uniform integer in [0, n), from the browser's cryptographic generator.
function randomBelow(n) {
  const limit = Math.floor(0x100000000 / n) * n;
  for (;;) {
    const value = crypto.getRandomValues(new Uint32Array(1))[0];
    if (value < limit) return value % n;
  }
}

export function padWithFakes(reports) {
  const total = Math.max(reports.length, MIN_REPORTS) + randomBelow(MAX_EXTRA_FAKES + 1);
  const padded = [...reports];
  while (padded.length < total) padded.push(fakeReport());
  for (let i = padded.length - 1; i > 0; i--) {
    const j = randomBelow(i + 1);
    [padded[i], padded[j]] = [padded[j], padded[i]];
  }
  return padded;
}

const fields = (r) => [r.locationIdHash, r.iv, r.encryptedCheckInRecord, r.mac];

// The bytes the certificate's tekmac authenticates (server.presence.binding.cleartext).
export function cleartext(reports) {
  const lines = reports.map((r) => fields(r).map(toB64).join('.')).sort();
  return utf8(`${LABEL}\n${lines.join(',')}`);
}

export async function reportMac(secret, reports) {
  const algorithm = { name: 'HMAC', hash: 'SHA-256' };
  const key = await crypto.subtle.importKey('raw', secret, algorithm, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, cleartext(reports)));
}

export const reportJson = (r) => ({
  locationIdHash: toB64(r.locationIdHash),
  iv: toB64(r.iv),
  encryptedCheckInRecord: toB64(r.encryptedCheckInRecord),
  mac: toB64(r.mac),
});

// The reports to send for `entries` (saved check-ins), for a person whose verified code says
// `symptomDate` / `testDate` (YYYY-MM-DD or null).
export async function buildReports(entries, symptomDate, testDate) {
  const onset = isoDayNumber(symptomDate);
  const tested = isoDayNumber(testDate) ?? dayNumber(Math.floor(Date.now() / 1000));
  const checkIns = entries.map((entry) => ({ ...entry, locationId: fromB64(entry.locationId) }));
  const shared = shareableRecords(checkIns, levelFor(onset, tested));
  const real = [];
  for (const { checkIn, record } of shared) {
    real.push(await encryptRecord(checkIn.locationId, record));
  }
  return { reports: padWithFakes(real), real: real.length };
}

