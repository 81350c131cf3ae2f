// CheckInProtectedReports: a shared check-in that only people who know the venue can read
// (as civitrace.presence.report), and TraceWarningPackages (as warning_package.decode_package).
//   encKey = SHA-256("CWA-ENCRYPTION-KEY" || locationId), AES-256-CBC with PKCS#7, random IV
//   macKey = SHA-256("CWA-MAC-KEY" || locationId), mac = HMAC-SHA256(macKey, iv || ciphertext)
// The MAC is verified (WebCrypto's verify is constant-time) before anything is decrypted.

import { concat, randomBytes, sha256, utf8 } from './bytes.js';
import {
  CheckInProtectedReport,
  CheckInRecord,
  ProtoError,
  TraceWarningPackage,
  decode,
  encode,
} from './proto.js';

const subtle = crypto.subtle;
const keyCache = new Map();

async function keysFor(locationId) {
  const id = locationId.join(',');
  if (!keyCache.has(id)) {
    keyCache.set(
      id,
      (async () => ({
        enc: await subtle.importKey(
          'raw',
          await sha256(utf8('CWA-ENCRYPTION-KEY'), locationId),
          'AES-CBC',
          false,
          ['encrypt', 'decrypt'],
        ),
        mac: await subtle.importKey(
          'raw',
          await sha256(utf8('CWA-MAC-KEY'), locationId),
          { name: 'HMAC', hash: 'SHA-256' },
          false,
          ['sign', 'verify'],
        ),
        hash: await sha256(locationId),
      }))(),
    );
  }
  return keyCache.get(id);
}

export const hashOf = async (locationId) => (await keysFor(locationId)).hash;

// A record as the protocol bounds it, or null (start uint32, period > 0, level 1..8).
export function checkedRecord(record) {
  const { startIntervalNumber: start, period, transmissionRiskLevel: level } = record;
  const ok = start >= 0 && start <= 0xffffffff && period > 0 && level >= 1 && level <= 8;
  return ok ? { startIntervalNumber: start, period, transmissionRiskLevel: level } : null;
}

export async function encryptRecord(locationId, record) {
  const keys = await keysFor(locationId);
  const iv = randomBytes(16);
  const plain = encode(record, CheckInRecord);
  const ciphertext = new Uint8Array(await subtle.encrypt({ name: 'AES-CBC', iv }, keys.enc, plain));
  const mac = new Uint8Array(await subtle.sign('HMAC', keys.mac, concat(iv, ciphertext)));
  return { locationIdHash: keys.hash, iv, encryptedCheckInRecord: ciphertext, mac };
}

// The record of a report addressed to `locationId`, or null if it does not verify or parse.
export async function decryptReport(locationId, report) {
  const keys = await keysFor(locationId);
  const data = concat(report.iv, report.encryptedCheckInRecord);
  if (!(await subtle.verify('HMAC', keys.mac, report.mac, data))) return null;
  try {
    const plain = await subtle.decrypt(
      { name: 'AES-CBC', iv: report.iv },
      keys.enc,
      report.encryptedCheckInRecord,
    );
    return checkedRecord(decode(new Uint8Array(plain), CheckInRecord));
  } catch {
    return null;
  }
}

// A report of random bytes of the real sizes: no one without the venue can tell it apart.
export const fakeReport = () => ({
  locationIdHash: randomBytes(32),
  iv: randomBytes(16),
  encryptedCheckInRecord: randomBytes(16),
  mac: randomBytes(32),
});

function checkReport(report) {
  const record = report.encryptedCheckInRecord;
  const ok =
    report.locationIdHash.length === 32 &&
    report.iv.length === 16 &&
    report.mac.length === 32 &&
    record.length > 0 &&
    record.length % 16 === 0 &&
    record.length <= 1024;
  if (!ok) throw new ProtoError('malformed report');
}

// A package, with every check decode_package makes; anything malformed throws.
export function decodePackage(bytes) {
  if (bytes.length > 64 * 1024 * 1024) throw new ProtoError('package too large');
  const message = decode(bytes, TraceWarningPackage);
  message.checkInProtectedReports.forEach(checkReport);
  for (const warning of message.timeIntervalWarnings) {
    if (warning.locationIdHash.length !== 32 || !checkedRecord(warning)) {
      throw new ProtoError('malformed warning');
    }
  }
  return message;
}
