// A venue's QR code: the payload in a check-in URL's fragment, decoded and checked by the
// scheme's rules (the same rule names as civitrace.presence.payload), and its location ID.

import { fromB64, sha256, utf8 } from './bytes.js';
import { CWALocationData, QRCodePayload, decode } from './proto.js';

const PERMANENT = new Set([1, 3, 4, 5, 6, 7, 8]);
const TEMPORARY = new Set([2, 9, 10, 11, 12]);
const BLANK = /^[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;
const LINE_BREAK = /[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

export const isPermanent = (type) => PERMANENT.has(type);

// The fields a page needs, from raw payload bytes (throws on malformed protobuf).
export function decodePayload(raw) {
  if (!raw.length) throw new Error('empty payload');
  const message = decode(raw, QRCodePayload);
  const vendor = decode(message.vendorData, CWALocationData);
  const location = message.locationData;
  return {
    description: location.description,
    address: location.address,
    startTimestamp: location.startTimestamp,
    endTimestamp: location.endTimestamp,
    seed: message.crowdNotifierData.cryptographicSeed,
    type: vendor.type,
    defaultLength: vendor.defaultCheckInLengthInMinutes,
  };
}

function textRule(value, name) {
  if (BLANK.test(value)) return `${name}.non-empty`;
  if (LINE_BREAK.test(value)) return `${name}.single-line`;
  if ([...value].length > 100) return `${name}.max-length`;
  return null;
}

// The first rule the payload breaks, or null (the order of validate_payload).
export function brokenRule(payload) {
  const text = textRule(payload.description, 'description') ?? textRule(payload.address, 'address');
  if (text) return text;
  if (payload.seed.length !== 16) return 'seed.length';
  const { startTimestamp: start, endTimestamp: end, type } = payload;
  if ((start || end) && start > end) return 'time.order';
  if (PERMANENT.has(type)) {
    if (start || end) return 'permanent.no-times';
    if (!(payload.defaultLength >= 1 && payload.defaultLength <= 1440)) {
      return 'permanent.check-in-length';
    }
  } else if (TEMPORARY.has(type)) {
    if (!(start < end)) return 'temporary.times';
  } else {
    return 'type.known';
  }
  return null;
}

export const locationIdOf = (raw) => sha256(utf8('CWA-GUID'), raw);

// A venue from the text after '#': {raw, payload, locationId}, or null if it is no valid code.
export async function readVenue(fragment) {
  let raw;
  let payload;
  try {
    raw = fromB64(decodeURIComponent(fragment));
    payload = decodePayload(raw);
  } catch {
    return null;
  }
  if (brokenRule(payload)) return null;
  return { raw, payload, locationId: await locationIdOf(raw) };
}

// When a stay that begins at `start` ends unless the visitor checks out earlier (unix s).
export function plannedEnd(payload, start) {
  const { type, endTimestamp, defaultLength } = payload;
  if (!isPermanent(type) && endTimestamp > start) return Math.min(endTimestamp, start + 86400);
  return start + (defaultLength > 0 ? defaultLength : 60) * 60;
}
