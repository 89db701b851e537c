import { z } from 'zod';
import { ROUTES, type RouteSpec } from './routes';

type JsonSchema = Record<string, unknown>;

const schemaOf = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

function parameters(spec: RouteSpec): JsonSchema[] {
  const list: JsonSchema[] = [];
  for (const [location, shape] of [['path', spec.params], ['query', spec.query]] as const) {
    if (!shape) continue;
    const object = schemaOf(shape, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, schema] of Object.entries(object.properties ?? {})) {
      list.push({ name, in: location, required: location === 'path' || (object.required ?? []).includes(name), schema });
    }
  }
  if (spec.idempotent) {
    list.push({ name: 'Idempotency-Key', in: 'header', required: false, description: 'Same key and body: the same answer again. Same key, other body: 422.', schema: { type: 'string', minLength: 1, maxLength: 200 } });
  }
  return list;
}

function securityOf(auth: RouteSpec['auth']): JsonSchema {
  switch (auth) {
    case 'api_key':
      return { apiKey: [] };
    case 'webhook_signature':
      return { webhookSignature: [], webhookTimestamp: [], webhookConnection: [] };
    case 'operator_token':
      return { operatorToken: [] };
    default: {
      const unhandled: never = auth;
      throw new Error(`unhandled auth ${String(unhandled)}`);
    }
  }
}

/** The OpenAPI 3.1 document of the ingest HTTP API, built from the route table. */
export function openApiDocument(): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const spec of Object.values(ROUTES) as RouteSpec[]) {
    const operation: JsonSchema = {
      operationId: spec.operationId,
      summary: spec.summary,
      tags: [spec.tag],
      security: [securityOf(spec.auth)],
      parameters: parameters(spec),
      responses: Object.fromEntries(
        Object.entries(spec.responses).map(([status, response]) => [
          status,
          {
            description: response.description,
            ...(response.schema ? { content: { [Number(status) >= 400 ? 'application/problem+json' : 'application/json']: { schema: schemaOf(response.schema, 'output') } } } : {}),
          },
        ]),
      ),
    };
    if (spec.body) operation.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(spec.body, 'input') } } };
    if (spec.xmlBody) operation.requestBody = { required: true, description: spec.xmlBody, content: { 'application/xml': { schema: { type: 'string' } }, 'text/xml': { schema: { type: 'string' } } } };
    paths[spec.path] = { ...paths[spec.path], [spec.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Channel Manager ingest',
      version: '0.1.0',
      description: 'Channel webhooks and the PMS API. Errors are RFC 9457 problem documents with a stable `code`.',
    },
    servers: [{ url: 'http://127.0.0.1:9411' }],
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: "A tenant's API key: `Authorization: Bearer cm_...`." },
        webhookConnection: { type: 'apiKey', in: 'header', name: 'x-cm-connection', description: 'The channel connection sending the event.' },
        webhookTimestamp: { type: 'apiKey', in: 'header', name: 'x-cm-timestamp', description: 'Unix seconds; must be within 5 minutes of our clock.' },
        webhookSignature: { type: 'apiKey', in: 'header', name: 'x-cm-signature', description: '`v1=` and the hex HMAC-SHA256 of `<timestamp>.<raw body>` with the connection secret.' },
        operatorToken: { type: 'http', scheme: 'bearer', description: "The operator's token (OPERATOR_API_TOKEN) for operator data such as exchange rates: `Authorization: Bearer <token>`." },
      },
    },
    paths,
  };
}
