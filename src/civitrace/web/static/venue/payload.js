// The venue QR code payload (QRCodePayload of presence.proto), encoded here in the browser.
// The bytes equal those of civitrace.presence.payload.QRCodePayload.encode (deterministic
// proto3: fields in number order, zero and empty scalars left out, sub-messages always
// written); a browser test decodes what this module makes with the Python package and
// re-encodes it to the same bytes. A check-in URL carries the bytes as base64url without
// padding after '#', so the server serving the page never sees them.

const PAYLOAD_VERSION = 1;
export const SEED_LENGTH = 16;
const utf8 = new TextEncoder();

function varint(value) {
  let rest = BigInt(value);
  const out = [];
  while (rest >= 0x80n) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
  return out;
}

// A proto3 message being written: each call appends one field, skipping default values.
class Writer {
  constructor() {
    this.bytes = [];
  }

  uint(field, value) {
    if (value) this.bytes.push(...varint((field << 3) | 0), ...varint(value));
    return this;
  }

  raw(field, data, always = false) {
    if (data.length || always) {
      this.bytes.push(...varint((field << 3) | 2), ...varint(data.length));
      for (const byte of data) this.bytes.push(byte);
    }
    return this;
  }

  text(field, value) {
    return this.raw(field, utf8.encode(value));
  }

  message(field, writer) {
    return this.raw(field, writer.finish(), true);
  }

  finish() {
    return Uint8Array.from(this.bytes);
  }
}

// A fresh random seed: it is what makes two venues with the same name different codes.
export function newSeed() {
  return crypto.getRandomValues(new Uint8Array(SEED_LENGTH));
}

// The payload bytes of a venue: { description, address, type, defaultLength,
// startTimestamp, endTimestamp (unix seconds, 0 for places), seed (16 bytes) }.
export function encodePayload(venue) {
  const vendor = new Writer()
    .uint(1, PAYLOAD_VERSION)
    .uint(2, venue.type)
    .uint(3, venue.defaultLength);
  const location = new Writer()
    .uint(1, PAYLOAD_VERSION)
    .text(2, venue.description)
    .text(3, venue.address)
    .uint(5, venue.startTimestamp)
    .uint(6, venue.endTimestamp);
  const notifier = new Writer().uint(1, PAYLOAD_VERSION).raw(3, venue.seed);
  return new Writer()
    .uint(1, PAYLOAD_VERSION)
    .message(2, location)
    .message(3, notifier)
    .raw(4, vendor.finish())
    .finish();
}

// base64url without padding, as the URL fragment carries it.
export function base64url(bytes) {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// The check-in URL of a payload for the host serving this page.
export const checkInUrl = (host, encoded) => `https://${host}/?v=1#${encoded}`;

// The kiosk page of the same venue, on this server.
export const kioskPath = (encoded) => `/kiosk?v=1#${encoded}`;
