import { Problem } from '@cm/service-runtime';

/**
 * An `application/x-www-form-urlencoded` body as a record, strictly: a percent-escape that is not
 * UTF-8 is a 400, not a silent U+FFFD (ill-formed text is bad input, as in our JSON APIs), and a
 * field given twice is a 400 rather than one of the two chosen by chance.
 */
export function parseStrictForm(body: string): Record<string, string> {
  const fields: Record<string, string> = Object.create(null);
  if (body.length === 0) return fields;
  for (const pair of body.split('&')) {
    if (pair.length === 0) continue;
    const equals = pair.indexOf('=');
    const name = decodeField(equals < 0 ? pair : pair.slice(0, equals));
    const value = decodeField(equals < 0 ? '' : pair.slice(equals + 1));
    if (Object.hasOwn(fields, name)) throw new Problem(400, 'duplicate_field', `the form field '${name.slice(0, 50)}' is given twice`);
    fields[name] = value;
  }
  return fields;
}

function decodeField(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    throw new Problem(400, 'malformed_form', 'the form is not valid UTF-8 url-encoding');
  }
}
