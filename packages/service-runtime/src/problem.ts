import { z } from 'zod';

/**
 * Every error answer is an RFC 9457 problem document with a stable machine-readable `code`, and
 * `errors` naming each field that is wrong, so a caller can act on it without parsing prose.
 */
export const problemSchema = z.object({
  type: z.string().describe('A URI naming the problem kind.'),
  title: z.string(),
  status: z.number().int(),
  code: z.string().describe('Stable machine-readable reason, e.g. invalid_request, signature_mismatch.'),
  detail: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  conflicting_stay: z.unknown().optional(),
});
export type ProblemBody = z.infer<typeof problemSchema>;

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors?: readonly { path: string; message: string }[],
    readonly headers: Readonly<Record<string, string>> = {},
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(`${status} ${code}: ${detail}`);
  }

  body(): ProblemBody {
    return {
      type: `https://channel-manager.dev/problems/${this.code}`,
      title: TITLES[this.status] ?? 'Error',
      status: this.status,
      code: this.code,
      detail: this.detail,
      ...(this.errors && this.errors.length > 0 ? { errors: [...this.errors] } : {}),
      ...this.extra,
    };
  }
}

/** zod's issues as our field errors, paths dotted. */
export function fieldErrors(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.slice(0, 50).map((issue) => ({ path: issue.path.map(String).join('.') || '(body)', message: issue.message }));
}

export function invalid(error: z.ZodError, what = 'request'): Problem {
  return new Problem(400, 'invalid_request', `the ${what} does not match the schema`, fieldErrors(error));
}
