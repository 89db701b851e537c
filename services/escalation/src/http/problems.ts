import type { z } from 'zod';

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** An error answer: an RFC 9457 problem document with a stable `code` (the ingest API's shape). */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors?: readonly { path: string; message: string }[],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${status} ${code}: ${detail}`);
  }

  body() {
    return {
      type: `https://channel-manager.dev/problems/${this.code}`,
      title: TITLES[this.status] ?? 'Error',
      status: this.status,
      code: this.code,
      detail: this.detail,
      ...(this.errors && this.errors.length > 0 ? { errors: [...this.errors] } : {}),
    };
  }
}

export function invalid(error: z.ZodError, what: string): Problem {
  const errors = error.issues.slice(0, 50).map((issue) => ({ path: issue.path.map(String).join('.') || '(body)', message: issue.message }));
  return new Problem(400, 'invalid_request', `the ${what} does not match the schema`, errors);
}
