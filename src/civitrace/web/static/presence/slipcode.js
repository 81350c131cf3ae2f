// The kiosk slip, as civitrace.server.presence.slip_format defines it:
//   code: 12 symbols of 23456789ABCDEFGHJKLMNPQRSTUVWXYZ (60 random bits), printed XXXX-XXXX-XXXX
//   master = PBKDF2-HMAC-SHA256(code, "civitrace-kiosk-slip-v1", 600 000 iterations, 32 bytes)
//   id = HKDF-SHA256(master, no salt, "civitrace slip id v1", 32)   (the server files it by this)
//   key = HKDF-SHA256(master, no salt, "civitrace slip key v1", 32)  (never leaves the browser)
//   ciphertext = nonce(12) || AES-256-GCM(key, nonce, JSON padded with spaces to 1024, aad = id)

import { concat, fromB64, randomBytes, toB64, toHex, utf8 } from './bytes.js';

export const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const PLAINTEXT_LENGTH = 1024;
const CIPHERTEXT_LENGTH = 12 + PLAINTEXT_LENGTH + 16;
const subtle = crypto.subtle;

export function newCode() {
  const symbols = Array.from(randomBytes(12), (byte) => ALPHABET[byte & 31]).join('');
  return `${symbols.slice(0, 4)}-${symbols.slice(4, 8)}-${symbols.slice(8)}`;
}

// The 12 symbols of a typed code (case, spaces and dashes do not matter), or null.
export function normalizeCode(text) {
  const symbols = String(text).replace(/\s+/g, '').replace(/-/g, '').toUpperCase();
  const ok = symbols.length === 12 && [...symbols].every((c) => ALPHABET.includes(c));
  return ok ? symbols : null;
}

const hkdf = (info) => ({
  name: 'HKDF',
  hash: 'SHA-256',
  salt: new Uint8Array(0),
  info: utf8(info),
});
const AES = { name: 'AES-GCM', length: 256 };

// {id (bytes), idHex, key (CryptoKey)}: slow on purpose (PBKDF2, 600 000 iterations).
export async function deriveSlipKeys(code) {
  const symbols = normalizeCode(code);
  if (!symbols) throw new Error('not a slip code');
  const password = await subtle.importKey('raw', utf8(symbols), 'PBKDF2', false, ['deriveBits']);
  const salt = utf8('civitrace-kiosk-slip-v1');
  const pbkdf2 = { name: 'PBKDF2', hash: 'SHA-256', salt, iterations: 600000 };
  const master = await subtle.deriveBits(pbkdf2, password, 256);
  const base = await subtle.importKey('raw', master, 'HKDF', false, ['deriveBits', 'deriveKey']);
  const id = new Uint8Array(await subtle.deriveBits(hkdf('civitrace slip id v1'), base, 256));
  const usages = ['encrypt', 'decrypt'];
  const key = await subtle.deriveKey(hkdf('civitrace slip key v1'), base, AES, false, usages);
  return { id, idHex: toHex(id), key };
}

// checkIn: {locationId (bytes), start, end, description} -> ciphertext bytes.
export async function sealSlip(keys, checkIn) {
  const document = {
    v: 1,
    locationId: toB64(checkIn.locationId),
    start: checkIn.start,
    end: checkIn.end,
    description: checkIn.description,
  };
  const text = utf8(JSON.stringify(document));
  if (text.length > PLAINTEXT_LENGTH) throw new Error('description too long for a slip');
  const plain = new Uint8Array(PLAINTEXT_LENGTH).fill(0x20);
  plain.set(text);
  const nonce = randomBytes(12);
  const params = { name: 'AES-GCM', iv: nonce, additionalData: keys.id };
  const sealed = await subtle.encrypt(params, keys.key, plain);
  return concat(nonce, new Uint8Array(sealed));
}

// The check-in a slip holds ({locationId, start, end, description}), or null when the code
// does not open it or its content is malformed.
export async function openSlip(keys, ciphertext) {
  if (ciphertext.length !== CIPHERTEXT_LENGTH) return null;
  try {
    const params = { name: 'AES-GCM', iv: ciphertext.subarray(0, 12), additionalData: keys.id };
    const plain = await subtle.decrypt(params, keys.key, ciphertext.subarray(12));
    const document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plain));
    const locationId = fromB64(document.locationId);
    const { start, end, description } = document;
    const ok =
      document.v === 1 &&
      locationId.length === 32 &&
      Number.isSafeInteger(start) &&
      Number.isSafeInteger(end) &&
      start >= 0 &&
      start <= end &&
      typeof description === 'string';
    return ok ? { locationId, start, end, description } : null;
  } catch {
    return null;
  }
}
