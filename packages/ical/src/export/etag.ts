import { createHash } from 'node:crypto';

/**
 * A strong ETag for a rendered feed: the SHA-256 of its UTF-8 bytes, base64url, quoted. Strong is
 * right because renderFeed is byte-stable: equal tags mean equal bytes.
 */
export function feedEtag(text: string): string {
  return `"${createHash('sha256').update(text, 'utf8').digest('base64url')}"`;
}

/**
 * Whether an If-None-Match header matches the current ETag, so a GET may answer 304.
 * RFC 9110 §13.1.2: `*` matches any current representation; the comparison is weak, so
 * `W/"x"` matches `"x"`; the header may list several tags separated by commas.
 */
export function ifNoneMatchMatches(header: string | undefined, currentEtag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const current = opaqueTag(currentEtag);
  return listedTags(header).some((tag) => opaqueTag(tag) === current);
}

// A quoted tag may itself hold a comma, so the list is read tag by tag rather than split on commas.
// Unquoted tokens are not valid but some clients send them; they are compared as they are.
const LISTED_TAG = /(?:W\/)?"[^"]*"|[^,\s]+/g;

function listedTags(header: string): string[] {
  return header.match(LISTED_TAG) ?? [];
}

function opaqueTag(tag: string): string {
  const strong = tag.startsWith('W/') ? tag.slice(2) : tag;
  return strong.length >= 2 && strong.startsWith('"') && strong.endsWith('"') ? strong.slice(1, -1) : strong;
}
