// Local matching, as civitrace.presence.matching: for every report whose locationIdHash is the
// hash of one of this device's check-ins, verify, decrypt, and measure the overlap
//   overlap = min(check-in end, (start + period) * 600) - max(check-in start, start * 600)
// Positive overlaps count; normalized time = overlap minutes x risk value, summed per UTC day
// of the overlap: under 10 is low risk, 10 or more high. Check-ins that ended more than 10
// days before `now` are not considered. Nothing here touches the network.

import { toHex } from './bytes.js';
import { RISK_VALUES, dayNumber } from './records.js';
import { decryptReport, hashOf } from './reports.js';

const LOOKBACK = 10 * 86400;
export const HIGH_RISK_MINUTES = 10;

export function overlapSeconds(checkIn, record) {
  const start = record.startIntervalNumber * 600;
  const end = (record.startIntervalNumber + record.period) * 600;
  return Math.max(0, Math.min(checkIn.end, end) - Math.max(checkIn.start, start));
}

// checkIns: [{locationId: Uint8Array, start, end, ...}]; packages: decoded packages.
export async function findMatches(checkIns, packages, now = null) {
  const byHash = new Map();
  for (const checkIn of checkIns) {
    if (now !== null && checkIn.end < now - LOOKBACK) continue;
    const key = toHex(await hashOf(checkIn.locationId));
    if (!byHash.has(key)) byHash.set(key, []);
    byHash.get(key).push(checkIn);
  }
  const matches = [];
  for (const pkg of packages) {
    const candidates = [];
    for (const report of pkg.checkInProtectedReports) {
      const local = byHash.get(toHex(report.locationIdHash));
      if (!local) continue;
      const record = await decryptReport(local[0].locationId, report);
      if (record) candidates.push([local, record]);
    }
    for (const warning of pkg.timeIntervalWarnings) {
      const local = byHash.get(toHex(warning.locationIdHash));
      if (local) candidates.push([local, warning]);
    }
    for (const [local, record] of candidates) {
      for (const checkIn of local) {
        const seconds = overlapSeconds(checkIn, record);
        if (seconds > 0) matches.push({ checkIn, record, overlapSeconds: seconds });
      }
    }
  }
  return matches;
}

const matchDay = (m) => dayNumber(Math.max(m.checkIn.start, m.record.startIntervalNumber * 600));
const normalized = (m) => (m.overlapSeconds / 60) * RISK_VALUES[m.record.transmissionRiskLevel];

// [{day (days since the epoch), minutes, level: 'low'|'high', matches}], by day.
export function riskByDay(matches, threshold = HIGH_RISK_MINUTES) {
  const perDay = new Map();
  for (const match of matches) {
    const day = matchDay(match);
    if (!perDay.has(day)) perDay.set(day, []);
    perDay.get(day).push(match);
  }
  return [...perDay.keys()]
    .sort((a, b) => a - b)
    .map((day) => {
      const list = perDay.get(day);
      const minutes = list.reduce((sum, m) => sum + normalized(m), 0);
      return { day, minutes, level: minutes >= threshold ? 'high' : 'low', matches: list };
    });
}
