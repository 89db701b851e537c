/**
 * Why a string cannot be an identifier, or undefined if it can. Ids become keys and references
 * people read (in review tasks, the audit log, the admin tool): one that is not well-formed
 * Unicode, or holds control, format or bidirectional characters, makes look-alike references
 * and spoofed text, so it is refused rather than stored.
 */
export function identifierProblem(value: string): string | undefined {
  if (!value.isWellFormed()) return 'not well-formed Unicode (a lone surrogate)';
  const match = /[\p{Cc}\p{Cf}\u2028\u2029]/u.exec(value);
  if (!match) return undefined;
  const code = `U+${match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return `contains ${describeCharacter(match[0])} ${code}`;
}

function describeCharacter(character: string): string {
  if (/[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/u.test(character)) return 'a bidirectional control character';
  if (/[\u200B-\u200D\u2060\uFEFF]/u.test(character)) return 'a zero-width character';
  if (/\p{Cc}/u.test(character)) return 'a control character';
  if (/[\u2028\u2029]/u.test(character)) return 'a line or paragraph separator';
  return 'an invisible format character';
}

/** Longest id we store or look up, in UTF-16 code units (what JavaScript and zod count). */
export const MAX_IDENTIFIER_LENGTH = 200;

/**
 * identifierProblem for an id that must be there: '' and ids longer than MAX_IDENTIFIER_LENGTH
 * are refused too. identifierProblem itself leaves length to each edge (a webhook's optional
 * rate plan may be '').
 */
export function requiredIdentifierProblem(value: string): string | undefined {
  if (value.length === 0) return 'empty';
  if (value.length > MAX_IDENTIFIER_LENGTH) return `longer than ${MAX_IDENTIFIER_LENGTH} characters`;
  return identifierProblem(value);
}

/** A zod refinement for ids taken at an HTTP edge: the reason identifierProblem gives, as the field's issue. */
export function refuseNonIdentifier(value: string, context: { addIssue(issue: { code: 'custom'; message: string }): void }): void {
  const problem = identifierProblem(value);
  if (problem) context.addIssue({ code: 'custom', message: problem });
}

/**
 * Why a request target is not well-formed Unicode once percent-decoded (an escaped lone surrogate
 * such as %ED%A0%80, or bytes that are not UTF-8 such as %FF), if it is not: the router would
 * otherwise pass such a path or query on, half-decoded, as an id or a date.
 */
export function urlUnicodeProblem(url: string): string | undefined {
  try {
    decodeURIComponent(url);
    return undefined;
  } catch {
    return 'the path or query is not well-formed UTF-8 once percent-decoded, or has a bad % escape';
  }
}
