// Check-ins live on this device only: in IndexedDB, each encrypted with AES-256-GCM under a
// key that WebCrypto generated as non-extractable (scripts can use it, nobody can read it out)
// and that IndexedDB keeps as a CryptoKey. Entries whose stay ended more than 15 days ago are
// deleted whenever the list is read. Nothing here touches the network.

const DB_NAME = 'civitrace';
const RETENTION = 15 * 86400;
const KEY_ID = 'check-ins';
const LABEL = new TextEncoder().encode('civitrace check-in v1');

let database;
let cryptoKey;

const done = (request) =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

const committed = (transaction) =>
  new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = transaction.onabort = () => reject(transaction.error);
  });

function open() {
  database ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore('keys');
      request.result.createObjectStore('checkins', { keyPath: 'id', autoIncrement: true });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return database;
}

async function loadKey() {
  const db = await open();
  const stored = await done(db.transaction('keys').objectStore('keys').get(KEY_ID));
  if (stored) return stored;
  const fresh = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ]);
  const transaction = db.transaction('keys', 'readwrite');
  const finished = committed(transaction);
  const keys = transaction.objectStore('keys');
  let chosen = fresh;
  keys.get(KEY_ID).onsuccess = (event) => {
    if (event.target.result) chosen = event.target.result; // another tab was first
    else keys.add(fresh, KEY_ID);
  };
  await finished;
  return chosen;
}

const key = () => (cryptoKey ??= loadKey());

async function seal(entry) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = new TextEncoder().encode(JSON.stringify(entry));
  const params = { name: 'AES-GCM', iv, additionalData: LABEL };
  return { iv, data: new Uint8Array(await crypto.subtle.encrypt(params, await key(), plain)) };
}

async function unseal(row) {
  const params = { name: 'AES-GCM', iv: row.iv, additionalData: LABEL };
  const plain = await crypto.subtle.decrypt(params, await key(), row.data);
  return JSON.parse(new TextDecoder().decode(plain));
}

// Every kept check-in, newest first; expired (and unreadable) entries are deleted on the way.
export async function listCheckIns(now = Date.now() / 1000) {
  const db = await open();
  const rows = await done(db.transaction('checkins').objectStore('checkins').getAll());
  const kept = [];
  const expired = [];
  for (const row of rows) {
    let entry = null;
    try {
      entry = await unseal(row);
    } catch {
      // a row this device's key cannot open is of no use to anyone: drop it
    }
    if (!entry || entry.end < now - RETENTION) expired.push(row.id);
    else kept.push({ ...entry, id: row.id });
  }
  if (expired.length) await write((store) => expired.forEach((id) => store.delete(id)));
  return kept.sort((a, b) => b.start - a.start || b.id - a.id);
}

// Add a check-in (no id) or replace one (with its id); resolves to the id.
export async function saveCheckIn(entry) {
  const { id, ...fields } = entry;
  const row = await seal(fields);
  const db = await open();
  const transaction = db.transaction('checkins', 'readwrite');
  const finished = committed(transaction);
  const saved = done(transaction.objectStore('checkins').put(id ? { ...row, id } : row));
  await finished;
  return saved;
}

async function write(change) {
  const transaction = (await open()).transaction('checkins', 'readwrite');
  const finished = committed(transaction);
  change(transaction.objectStore('checkins'));
  await finished;
}

export const deleteCheckIn = (id) => write((store) => store.delete(id));

export const deleteAll = () => write((store) => store.clear());
