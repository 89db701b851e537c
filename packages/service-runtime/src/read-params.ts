import { requiredIdentifierProblem, urlUnicodeProblem } from './identifier';
import { Problem } from './problem';

/**
 * Path and query values of the read APIs that take no zod schema per route (the console's reads
 * in the sync-dispatcher and the reconciler): each refusal a 400 problem naming the field.
 */

/** An id from a path or query: one value, 1 to 200 characters, no control, format or bidirectional characters. */
export function requireIdentifier(path: string, value: unknown): string {
  const problem = typeof value === 'string' ? requiredIdentifierProblem(value) : 'one value expected';
  if (problem) throw new Problem(400, 'invalid_id', `${path}: ${problem}`, [{ path, message: problem }]);
  return value as string;
}

/** The query parameters a route did not take: refused rather than ignored, so a typo never reads everything. */
export function refuseUnknownQuery(rest: Readonly<Record<string, unknown>>): void {
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new Problem(400, 'unknown_parameter', `unknown query parameter: ${unknown.join(', ').slice(0, 200)}`, unknown.map((path) => ({ path, message: 'not taken here' })));
}

/** What fastify refused before routing (its `frameworkErrors`: a bad % escape or bytes that are not UTF-8, an overlong segment), as a problem. */
export function frameworkErrorProblem(error: { readonly code?: string; readonly message: string }): Problem {
  if (error.code === 'FST_ERR_BAD_URL') return new Problem(400, 'ill_formed_unicode', 'the URL is not well-formed percent-encoded UTF-8');
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return new Problem(414, 'uri_too_long', 'a path segment is longer than this API takes');
  return new Problem(400, 'bad_request', error.message.slice(0, 200));
}

/** Refuses a URL that percent-decodes to ill-formed UTF-8 (a lone surrogate, an overlong form), before any route reads it. */
export function refuseIllFormedUrl(url: string | undefined): void {
  const problem = urlUnicodeProblem(url ?? '');
  if (problem) throw new Problem(400, 'ill_formed_unicode', problem);
}

/**
 * What a read API answers for an error its routes threw: a Problem as it is, fastify's own 4xx as
 * a bad request, anything else as a 500 whose cause goes to `failed` (the log), not to the caller.
 */
export function problemOfError(error: { readonly statusCode?: number; readonly message: string }, failed: (error: unknown) => void, internalDetail: string): Problem {
  if (error instanceof Problem) return error;
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  if (status === 500) failed(error);
  return new Problem(status, status === 500 ? 'internal_error' : 'bad_request', status === 500 ? internalDetail : error.message);
}
