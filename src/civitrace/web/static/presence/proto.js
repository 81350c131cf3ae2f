// A minimal protobuf (proto3) reader and writer for the messages of presence.proto.
// It follows the reference parser: unknown fields, and known fields sent with another wire
// type, are skipped; the last value of a scalar wins; repeated occurrences of a message field
// merge (parsing their concatenation is exactly a merge); uint32 keeps the low 32 bits and an
// enum is a signed 32-bit number. Malformed input throws ProtoError.

import { concat } from './bytes.js';

export class ProtoError extends Error {}

export const U32 = 'u32';
export const U64 = 'u64';
export const ENUM = 'enum';
export const STR = 'str';
export const BYTES = 'bytes';

const VARINT_KINDS = new Set([U32, U64, ENUM]);
const strict = new TextDecoder('utf-8', { fatal: true });

function varint(bytes, start) {
  let value = 0n;
  let shift = 0n;
  let at = start;
  for (;;) {
    if (at >= bytes.length || shift > 63n) throw new ProtoError('truncated or overlong varint');
    const byte = bytes[at++];
    value |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
    if (!(byte & 0x80)) return [BigInt.asUintN(64, value), at];
  }
}

function scalar(kind, raw) {
  switch (kind) {
    case U32:
      return Number(BigInt.asUintN(32, raw));
    case ENUM:
      return Number(BigInt.asIntN(32, raw));
    case U64:
      if (raw > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtoError('uint64 beyond 2^53');
      return Number(raw);
    case STR:
      try {
        return strict.decode(raw);
      } catch {
        throw new ProtoError('string is not UTF-8');
      }
    default:
      return raw.slice();
  }
}

function initial(kind, repeated) {
  if (repeated) return [];
  if (VARINT_KINDS.has(kind)) return 0;
  if (kind === STR) return '';
  if (kind === BYTES) return new Uint8Array(0);
  return decode(new Uint8Array(0), kind);
}

// One field at `at`: [number, wire type, raw value (BigInt, bytes, or null), next offset].
// Groups (wire types 3/4, which no field here uses) are skipped whole, as the reference does.
function field(bytes, at) {
  let key;
  [key, at] = varint(bytes, at);
  if (key > 0xffffffffn) throw new ProtoError('tag too large');
  const number = Number(key >> 3n);
  const wire = Number(key & 7n);
  if (number === 0) throw new ProtoError('field number 0');
  let raw = null;
  if (wire === 0) {
    [raw, at] = varint(bytes, at);
  } else if (wire === 2) {
    let length;
    [length, at] = varint(bytes, at);
    if (length > BigInt(bytes.length - at)) throw new ProtoError('truncated field');
    raw = bytes.subarray(at, at + Number(length));
    at += Number(length);
  } else if (wire === 1 || wire === 5) {
    at += wire === 1 ? 8 : 4;
    if (at > bytes.length) throw new ProtoError('truncated fixed field');
  } else if (wire === 3) {
    for (;;) {
      if (at >= bytes.length) throw new ProtoError('unterminated group');
      const [inner, innerWire, , next] = field(bytes, at);
      at = next;
      if (innerWire === 4) {
        if (inner !== number) throw new ProtoError('mismatched end of group');
        break;
      }
    }
  } else if (wire !== 4) {
    throw new ProtoError(`invalid wire type ${wire}`);
  }
  return [number, wire, raw, at];
}

// Decode `bytes` as the message described by `schema`: {number: [name, kind, repeated?]},
// where kind is one of the scalar kinds above or a nested schema.
export function decode(bytes, schema) {
  const out = {};
  const parts = {};
  for (const [name, kind, repeated] of Object.values(schema)) out[name] = initial(kind, repeated);
  let at = 0;
  while (at < bytes.length) {
    let number;
    let wire;
    let raw;
    [number, wire, raw, at] = field(bytes, at);
    if (wire === 4) throw new ProtoError('end of group outside a group');
    const spec = schema[number];
    if (!spec) continue;
    const [name, kind, repeated] = spec;
    const nested = typeof kind === 'object';
    if ((VARINT_KINDS.has(kind) ? 0 : 2) !== wire) continue;
    if (nested && repeated) out[name].push(decode(raw, kind));
    else if (nested) (parts[name] ??= []).push(raw);
    else out[name] = scalar(kind, raw);
  }
  for (const [name, kind] of Object.values(schema)) {
    if (parts[name]) out[name] = decode(concat(...parts[name]), kind);
  }
  return out;
}

function putVarint(out, value) {
  let v = BigInt(value);
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

// Encode like the reference's deterministic serialization: fields in number order, proto3
// defaults (0, '', empty bytes) left out. Scalars and bytes only: what this code writes.
export function encode(message, schema) {
  const out = [];
  for (const number of Object.keys(schema).map(Number).sort((a, b) => a - b)) {
    const [name, kind] = schema[number];
    const value = message[name];
    if (VARINT_KINDS.has(kind)) {
      if (!value) continue;
      putVarint(out, (number << 3) | 0);
      putVarint(out, kind === ENUM ? BigInt.asUintN(64, BigInt(value)) : value);
    } else {
      const data = kind === STR ? new TextEncoder().encode(value) : value;
      if (!data.length) continue;
      putVarint(out, (number << 3) | 2);
      putVarint(out, data.length);
      for (const byte of data) out.push(byte);
    }
  }
  return Uint8Array.from(out);
}

export const TraceLocation = {
  1: ['version', U32],
  2: ['description', STR],
  3: ['address', STR],
  5: ['startTimestamp', U64],
  6: ['endTimestamp', U64],
};
export const CrowdNotifierData = {
  1: ['version', U32],
  2: ['publicKey', BYTES],
  3: ['cryptographicSeed', BYTES],
  4: ['type', U32],
};
export const QRCodePayload = {
  1: ['version', U32],
  2: ['locationData', TraceLocation],
  3: ['crowdNotifierData', CrowdNotifierData],
  4: ['vendorData', BYTES],
};
export const CWALocationData = {
  1: ['version', U32],
  2: ['type', ENUM],
  3: ['defaultCheckInLengthInMinutes', U32],
};
export const CheckInRecord = {
  1: ['startIntervalNumber', U32],
  2: ['period', U32],
  3: ['transmissionRiskLevel', U32],
};
export const CheckInProtectedReport = {
  1: ['locationIdHash', BYTES],
  2: ['iv', BYTES],
  3: ['encryptedCheckInRecord', BYTES],
  4: ['mac', BYTES],
};
export const TraceTimeIntervalWarning = {
  1: ['locationIdHash', BYTES],
  2: ['startIntervalNumber', U32],
  3: ['period', U32],
  4: ['transmissionRiskLevel', U32],
};
export const TraceWarningPackage = {
  1: ['intervalNumber', U32],
  2: ['region', STR],
  3: ['timeIntervalWarnings', TraceTimeIntervalWarning, true],
  4: ['checkInProtectedReports', CheckInProtectedReport, true],
};
