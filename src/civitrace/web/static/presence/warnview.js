// Checking for warnings and saying, in plain words, what a match means and what to do. Used by
// the list of check-ins and by the slip page; every step runs on this device.

import { fromB64 } from './bytes.js';
import { findMatches, riskByDay } from './matching.js';
import { config, el, isolate, nowSeconds, say, show, t, utcDay } from './ui.js';
import { fetchPackages } from './warnings.js';

const advice = (level) =>
  level === 'high'
    ? [
        t('Get tested, even if you feel well.'),
        t('Until you have a negative test, stay away from other people as much as you can, especially people who could get very ill.'),
        t('Wear a mask when you cannot avoid being close to others.'),
        t('If you feel ill, stay at home and call your doctor or the health authority.'),
      ]
    : [t('Watch for signs of illness for the next 10 days.'), t('If you feel ill, stay at home and get tested.')];

function riskCard(risk) {
  const places = [...new Set(risk.matches.map((m) => isolate(m.checkIn.description)))].join(', ');
  const others = Math.max(0, ...risk.matches.map((m) => m.checkIn.others || 0));
  const high = risk.level === 'high';
  return el(
    'article',
    { class: `notice ${high ? 'warn' : ''} risk-${risk.level}` },
    el(
      'h3',
      {},
      high ? t('Higher risk on %(day)s', { day: utcDay(risk.day) }) : t('Lower risk on %(day)s', { day: utcDay(risk.day) }),
    ),
    el(
      'p',
      {},
      high
        ? t('A person who later tested positive was at %(place)s while you were there. Your risk is higher.', { place: places })
        : t('A person who later tested positive was at %(place)s while you were there. Your risk is low.', { place: places }),
    ),
    others ? el('p', {}, t('This is also true for the people you checked in with you.')) : null,
    el('p', { class: 'todo' }, t('What to do:')),
    el('ul', {}, advice(risk.level).map((line) => el('li', {}, line))),
  );
}

// Download the warnings and match `entries` ({locationId base64, start, end, description,
// others}); shows the outcome in `region` and a one-line status in `status` (whose
// data-state then says "done": "none", "found" or "failed").
export async function checkWarnings(entries, region, status) {
  status.dataset.state = 'checking';
  const outcome = await match(entries, region, status);
  status.dataset.state = outcome === null ? 'failed' : outcome.length ? 'found' : 'none';
  return outcome;
}

async function match(entries, region, status) {
  if (!config.regions?.length) {
    say(status, t('This service does not publish warnings yet.'));
    return null;
  }
  say(status, t('Checking for warnings…'));
  const now = nowSeconds();
  let packages;
  try {
    packages = await fetchPackages(config.regions, now);
  } catch {
    say(status, t('Could not check for warnings. Check your internet connection and try again.'), 'warn');
    return null;
  }
  const checkIns = entries.map((entry) => ({ ...entry, locationId: fromB64(entry.locationId) }));
  const risks = riskByDay(await findMatches(checkIns, packages, now)).reverse();
  if (!risks.length) {
    region.replaceChildren();
    say(status, t('No warnings. Nobody who tested positive has reported being at these places at the same time as you.'), 'ok');
    return risks;
  }
  say(status, t('There is a warning for you. Read what to do below.'), 'warn');
  show(region, risks.map(riskCard));
  return risks;
}
