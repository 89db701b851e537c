import { z } from 'zod';
import { problemSchema } from './problem';

/** A JSON Schema (2020-12, OpenAPI 3.1's dialect) or a part of an OpenAPI document. */
export type OpenApiObject = Record<string, unknown>;

/** A zod schema as JSON Schema 2020-12, as a request (input) or an answer (output) reads it; the dialect is the document's. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): OpenApiObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as OpenApiObject;
  return rest;
}

/**
 * Named zod schemas as the document's `components.schemas`: where one holds another that is named
 * too (a list of tasks, a task's relocations), it refers to it by `$ref` instead of a copy.
 */
export function componentSchemas(named: Readonly<Record<string, z.ZodType>>, io: 'input' | 'output'): Record<string, OpenApiObject> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { target: 'draft-2020-12', io, unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, OpenApiObject> };
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _dialect, $id: _id, ...schema }]) => [id, schema]));
}

/** A `$ref` to a component of the document. */
export const ref = (kind: 'schemas' | 'responses' | 'headers' | 'examples' | 'parameters', name: string): OpenApiObject => ({ $ref: `#/components/${kind}/${name}` });

/**
 * The error answers every tenant API of ours can give, as components: each a problem document
 * (RFC 9457, `application/problem+json`) with its stable codes named, and the headers that come
 * with it (WWW-Authenticate on a 401, Retry-After on a 429).
 */
export const PROBLEM_RESPONSES = {
  BadRequest: { status: 400, description: 'The request is not one this API takes: `code` and `detail` say why (a field the schema refuses, with `errors` naming each field where the API lists them; a body that is not I-JSON: `malformed_json`, `ill_formed_unicode`, `malformed_utf8`, `number_not_representable`).' },
  Unauthorized: { status: 401, description: 'No API key (`missing_api_key`), or one unknown or revoked (`invalid_api_key`).', headers: ['WWW-Authenticate'] },
  NotFound: { status: 404, description: "Nothing of this caller by that id: another tenant's answers the same, so a caller learns nothing of others. `code` names what was not found." },
  Conflict: { status: 409, description: 'The resource is in a state that refuses this change: `code` names the state.' },
  BodyTooLarge: { status: 413, description: 'The body is larger than this API takes.' },
  UnsupportedMediaType: { status: 415, description: 'The body is not `application/json`.' },
  Unprocessable: { status: 422, description: 'Well formed, but what it asks cannot be carried out on this resource: `code` says why.' },
  RateLimited: { status: 429, description: "Over the tenant's request rate (`rate_limited`): retry after the seconds in Retry-After.", headers: ['Retry-After'] },
  InternalError: { status: 500, description: 'The request failed on our side (`internal_error`); the service log has the cause.' },
  Unavailable: { status: 503, description: "A dependency (PostgreSQL, Redis) did not answer (`temporarily_unavailable`, a problem document), or the service is shutting down (fastify's own JSON body): retry shortly.", closing: true },
  ShuttingDown: { status: 503, description: "The service is shutting down and takes no new request (fastify's own JSON body): retry shortly, on another instance.", closing: true, problem: false },
} as const satisfies Record<string, { status: number; description: string; headers?: readonly string[]; closing?: boolean; problem?: boolean }>;
export type ProblemResponse = keyof typeof PROBLEM_RESPONSES;

const HEADERS: Record<string, OpenApiObject> = {
  'WWW-Authenticate': { description: 'The scheme to authenticate with: `Bearer`, with `error="invalid_token"` for a key that is unknown or revoked.', schema: { type: 'string' }, example: 'Bearer error="invalid_token"' },
  'Retry-After': { description: 'Seconds to wait before the next request is within the rate.', schema: { type: 'integer', minimum: 1 }, example: 1 },
};

/** What fastify answers, before any handler of ours, to a request that reaches a server that is closing. */
const CLOSING_BODY = { error: 'Service Unavailable', message: 'Service Unavailable', statusCode: 503 };
export const closingErrorSchema = z.object({ error: z.string(), message: z.string(), statusCode: z.literal(503) });

const PROBLEM_EXAMPLE = { type: 'https://channel-manager.dev/problems/rate_limited', title: 'Too Many Requests', status: 429, code: 'rate_limited', detail: 'over 20 requests per second for this tenant; retry after 1 s' };

/** The components every tenant API's document shares: the problem schema, the error answers, their headers, the API-key scheme. */
export function sharedComponents(): { schemas: OpenApiObject; responses: OpenApiObject; headers: OpenApiObject; securitySchemes: OpenApiObject } {
  const responses = Object.fromEntries(
    Object.entries(PROBLEM_RESPONSES).map(([name, r]) => [
      name,
      {
        description: r.description,
        ...('headers' in r ? { headers: Object.fromEntries(r.headers.map((h) => [h, ref('headers', h)])) } : {}),
        content: {
          ...('problem' in r ? {} : { 'application/problem+json': { schema: ref('schemas', 'Problem'), ...(r.status === 429 ? { example: PROBLEM_EXAMPLE } : {}) } }),
          ...('closing' in r ? { 'application/json': { schema: ref('schemas', 'ClosingError'), example: CLOSING_BODY } } : {}),
        },
      },
    ]),
  );
  return {
    // A problem may carry more members (RFC 9457 lets it): read as input, the object stays open.
    schemas: { Problem: jsonSchemaOf(problemSchema, 'input'), ClosingError: jsonSchemaOf(closingErrorSchema, 'output') },
    responses,
    headers: HEADERS,
    securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: "A tenant's API key: `Authorization: Bearer cm_...`." } },
  };
}

/** The `responses` of an operation: its own successes, and the shared error answers it can give, by status. */
export function withProblems(successes: Record<string, OpenApiObject>, problems: readonly ProblemResponse[]): Record<string, OpenApiObject> {
  const answers: Record<string, OpenApiObject> = { ...successes };
  for (const name of problems) answers[String(PROBLEM_RESPONSES[name].status)] = ref('responses', name);
  return answers;
}
