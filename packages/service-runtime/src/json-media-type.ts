import { Problem } from './problem';

/**
 * The media types our APIs read as JSON: application/json and application/<name>+json, with
 * parameters or without. Clients send `application/json; charset=utf-8` as often as the bare type
 * (.NET's StringContent, OkHttp, many webhook senders), and fastify tests a pattern against the
 * whole header, parameters included.
 */
export const JSON_MEDIA_TYPE = /^application\/(?:[\w.-]+\+)?json[\t ]*(?:;.*)?$/i;

/**
 * JSON is UTF-8 (RFC 8259, section 8.1), and a charset parameter changes nothing about how it is
 * read. A body that says it is in another charset is refused as such, rather than read as UTF-8
 * and refused (or worse, taken) for what the bytes then mean.
 */
export function refuseNonUtf8Charset(contentType: string | undefined): void {
  for (const parameter of (contentType ?? '').split(';').slice(1)) {
    const equals = parameter.indexOf('=');
    if (equals < 0 || parameter.slice(0, equals).trim().toLowerCase() !== 'charset') continue;
    const charset = parameter.slice(equals + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') {
      throw new Problem(415, 'unsupported_charset', `JSON bodies are UTF-8; this one says charset=${charset.slice(0, 40)}: send it as UTF-8, with charset=utf-8 or no charset`);
    }
  }
}
