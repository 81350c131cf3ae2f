// Before a person who tested positive shares check-ins, each becomes CheckInRecords exactly as
// civitrace.presence.checkin.shareable_records makes them: stays under 10 minutes are dropped;
// the end is extended by the stay's own length (at most 30 minutes); the stay is aligned to
// 10-minute intervals and split at UTC midnight; each day gets a transmission risk level from
// the days since symptom onset (or before the test), and days whose level weighs 0 are left out.

const INTERVAL = 600;
const DAY = 86400;

// civitrace.presence.risk: days since onset -> level; onset unknown: days before the test.
const BY_ONSET = { '-3': 5, '-2': 6, '-1': 7, 0: 8, 1: 8, 2: 7, 3: 6, 4: 5, 5: 4, 6: 3, 7: 3 };
const BEFORE_TEST = { 0: 5, 1: 6, 2: 7, 3: 7, 4: 7, 5: 6, 6: 4, 7: 3 };
export const RISK_VALUES = [0, 0, 0, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6]; // index: level 1..8

export const dayNumber = (timestamp) => Math.floor(timestamp / DAY);

// 'YYYY-MM-DD' -> days since the epoch, or null.
export function isoDayNumber(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text ?? '');
  return match ? Date.UTC(+match[1], +match[2] - 1, +match[3]) / 86400000 : null;
}

export function levelFor(onsetDay, testDay) {
  return (day) => {
    const level = onsetDay !== null ? BY_ONSET[day - onsetDay] : BEFORE_TEST[testDay - day];
    return level ?? 1;
  };
}

export function decayExtendedEnd(start, end) {
  const minutes = Math.floor((end - start) / 60);
  if (minutes < 10) return null;
  return end + Math.min(minutes, 30) * 60;
}

export function alignToIntervals(start, end) {
  const first = start - (start % INTERVAL);
  const last = end - (end % INTERVAL);
  const overlapFirst = first + INTERVAL - start;
  const overlapLast = end - last;
  const target = Math.floor((end - start + INTERVAL / 2) / INTERVAL) * INTERVAL;
  if (overlapLast > overlapFirst) return [last + INTERVAL - target, last + INTERVAL];
  return [first, first + target];
}

export function splitAtMidnight(start, end) {
  const pieces = [];
  while (start < end) {
    const pieceEnd = Math.min(end, start - (start % DAY) + DAY);
    pieces.push([start, pieceEnd]);
    start = pieceEnd;
  }
  return pieces;
}

// [{checkIn, record}] for every record to share from `checkIns` ({start, end} in unix s).
export function shareableRecords(checkIns, level) {
  const shared = [];
  for (const checkIn of checkIns) {
    const extended = decayExtendedEnd(checkIn.start, checkIn.end);
    if (extended === null) continue;
    for (const [start, end] of splitAtMidnight(...alignToIntervals(checkIn.start, extended))) {
      const transmissionRiskLevel = level(dayNumber(start));
      if (RISK_VALUES[transmissionRiskLevel] === 0) continue;
      shared.push({
        checkIn,
        record: {
          startIntervalNumber: start / INTERVAL,
          period: (end - start) / INTERVAL,
          transmissionRiskLevel,
        },
      });
    }
  }
  return shared;
}
