// Downloads the hourly warning packages of the deployment's regions. index.txt is always asked
// afresh; a package never changes once listed, so each is kept in the Cache API and fetched
// once. Packages older than 15 days are dropped from the cache. Nothing about this device's
// check-ins is sent: every device downloads the same files.

import { decodePackage } from './reports.js';

const CACHE = 'civitrace-warnings';
const KEEP_HOURS = 15 * 24;
const PARALLEL = 6;

const packageUrl = (region, hour) => `/presence/warnings/${encodeURIComponent(region)}/${hour}.bin`;

async function packageBytes(cache, url) {
  let response = cache ? await cache.match(url) : undefined;
  if (!response) {
    response = await fetch(url, { credentials: 'omit' });
    if (!response.ok) return null;
    if (cache) await cache.put(url, response.clone());
  }
  return new Uint8Array(await response.arrayBuffer());
}

async function hoursOf(region, oldest) {
  const url = `/presence/warnings/${encodeURIComponent(region)}/index.txt`;
  const response = await fetch(url, { cache: 'no-cache', credentials: 'omit' });
  if (response.status === 404) return []; // no package yet in this region
  if (!response.ok) throw new Error(`index ${response.status}`);
  return (await response.text())
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^\d{1,10}$/.test(line))
    .map(Number)
    .filter((hour) => hour >= oldest);
}

// Every decodable package of `regions` from the last 15 days, in (region, hour) order. Throws
// when an index cannot be fetched (offline); a malformed package is skipped.
export async function fetchPackages(regions, now) {
  const cache = 'caches' in self ? await caches.open(CACHE).catch(() => null) : null;
  const oldest = Math.floor(now / 3600) - KEEP_HOURS;
  const wanted = [];
  for (const region of regions) {
    for (const hour of await hoursOf(region, oldest)) wanted.push(packageUrl(region, hour));
  }
  const packages = new Array(wanted.length).fill(null);
  let next = 0;
  const worker = async () => {
    while (next < wanted.length) {
      const index = next++;
      const bytes = await packageBytes(cache, wanted[index]);
      try {
        packages[index] = bytes && decodePackage(bytes);
      } catch {
        packages[index] = null;
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  if (cache) {
    for (const request of await cache.keys()) {
      const hour = Number(/\/(\d+)\.bin$/.exec(request.url)?.[1]);
      if (!(hour >= oldest)) await cache.delete(request);
    }
  }
  return packages.filter(Boolean);
}
