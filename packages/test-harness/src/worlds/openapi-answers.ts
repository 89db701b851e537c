import type { z } from 'zod';
import { documentedResponse, documentedRoutes, documentedStatuses } from '../openapi-contract';

/**
 * The checks an API's OpenAPI test makes on the service's real answers (jest's expect: this
 * folder is only ever loaded by tests).
 */
type OpenApiDocument = Parameters<typeof documentedRoutes>[0] & Parameters<typeof documentedResponse>[0];

export interface RealAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/** The answer's status is documented for its route, with every header the document gives it, its media type, and a body its schema reads. */
export function expectDocumentedAnswer(document: OpenApiDocument, route: string, answer: RealAnswer, schemaOf: (status: number) => z.ZodType): void {
  expect({ route, status: answer.status, documented: documentedStatuses(document, route).includes(answer.status) }).toEqual({ route, status: answer.status, documented: true });
  const response = documentedResponse(document, route, answer.status)!;
  for (const header of Object.keys(response.headers ?? {})) expect({ route, status: answer.status, header, sent: answer.headers.has(header) }).toEqual({ route, status: answer.status, header, sent: true });
  const [mediaType] = Object.keys(response.content ?? {});
  expect(answer.headers.get('content-type')).toContain(mediaType);
  const parsed = schemaOf(answer.status).safeParse(answer.body);
  expect({ route, status: answer.status, issues: parsed.error?.issues ?? [] }).toEqual({ route, status: answer.status, issues: [] });
}

/** Every status documented for a route was answered, but 500 and 503 (a dependency failing, the server closing): none is documented that a caller cannot meet. */
export function expectEveryStatusReached(document: OpenApiDocument, answers: readonly (readonly [string, RealAnswer])[]): void {
  for (const route of documentedRoutes(document)) {
    const reached = [...new Set(answers.filter(([r]) => r === route).map(([, a]) => a.status))].sort((a, b) => a - b);
    expect({ route, reached }).toEqual({ route, reached: documentedStatuses(document, route).filter((s) => s !== 500 && s !== 503) });
  }
}

/** Each example of a document is of the schema it illustrates. */
export function expectExamplesFit(examples: Readonly<Record<string, { readonly schema: z.ZodType; readonly value: unknown }>>): void {
  for (const [name, example] of Object.entries(examples)) {
    const parsed = example.schema.safeParse(example.value);
    expect({ name, issues: parsed.error?.issues ?? [] }).toEqual({ name, issues: [] });
  }
}
