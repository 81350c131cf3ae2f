// The scheme's rules for what the form holds, named as civitrace.presence.payload names them
// (description.non-empty, …), so the page can say what to fix before it makes a code. Lengths
// count code points and "blank" means Python's str.isspace, as the Python rules do.

const BLANK = /^[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;
const LINE_BREAK = /[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

function textRule(value, name, maxText) {
  if (BLANK.test(value)) return `${name}.non-empty`;
  if (LINE_BREAK.test(value)) return `${name}.single-line`;
  if ([...value].length > maxText) return `${name}.max-length`;
  return null;
}

// A datetime-local value ("2024-05-01T18:00") in the browser's time zone → unix seconds.
export function localSeconds(value) {
  if (!value) return null;
  const millis = new Date(value).getTime();
  return Number.isFinite(millis) && millis > 0 ? Math.floor(millis / 1000) : null;
}

// Every broken rule of the form, as { field: rule }, and the venue to encode when none is.
export function check(form, limits) {
  const errors = {};
  const description = textRule(form.description, 'description', limits.maxText);
  if (description) errors.description = description;
  const address = textRule(form.address, 'address', limits.maxText);
  if (address) errors.address = address;
  const type = Number(form.type);
  const known = Number.isInteger(type) && type >= 1 && type <= 12 && form.type !== '';
  if (!known) errors.type = 'type.known';
  const permanent = limits.permanentTypes.includes(type);
  let start = 0;
  let end = 0;
  if (known && !permanent) {
    start = localSeconds(form.start);
    end = localSeconds(form.end);
    if (start === null) errors.start = 'temporary.start';
    if (end === null) errors.end = 'temporary.end';
    if (start !== null && end !== null && start >= end) errors.end = 'temporary.times';
  }
  let stay = form.stay.trim() === '' ? null : Number(form.stay);
  const stayValid = stay !== null && Number.isInteger(stay) && stay >= 1 && stay <= limits.maxStay;
  if (permanent && !stayValid) errors.stay = 'permanent.check-in-length';
  if (known && !permanent && stay !== null && !stayValid) errors.stay = 'permanent.check-in-length';
  if (Object.keys(errors).length) return { errors, venue: null };
  if (!permanent && stay === null) {
    stay = Math.min(limits.maxStay, Math.max(1, Math.floor((end - start) / 60)));
  }
  return {
    errors,
    venue: {
      description: form.description,
      address: form.address,
      type,
      defaultLength: stay,
      startTimestamp: permanent ? 0 : start,
      endTimestamp: permanent ? 0 : end,
    },
  };
}
