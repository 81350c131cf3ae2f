// Bytes and their text forms (base64, base64url, hex), shared by every presence script.

export const utf8 = (text) => new TextEncoder().encode(text);

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function toB64(bytes) {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

export const toB64url = (bytes) =>
  toB64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

// Standard or URL-safe base64, padded or not (as civitrace.presence.url.b64_decode_any).
export function fromB64(text) {
  const value = String(text).trim();
  if (!value || value.length > 4096 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
    throw new Error('not base64');
  }
  let body = value.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  if (body.length % 4 === 1) throw new Error('not base64');
  body += '='.repeat((4 - (body.length % 4)) % 4);
  return Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
}

export const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export const randomBytes = (length) => crypto.getRandomValues(new Uint8Array(length));

export async function sha256(...parts) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', concat(...parts)));
}
