import { componentSchemas, jsonSchemaOf, ref, sharedComponents, withProblems, type OpenApiObject, type ProblemResponse } from '@cm/service-runtime';
import { passId, startBody } from '../http';
import { listingLastPassAnswer, passListingAnswer, passListingsAnswer, passStartedAnswer, passSummaryAnswer, propertyDriftAnswer, reconciliationHealthAnswer, reconciliationHealthRow } from './answers';
import { RECONCILIATION_EXAMPLES } from './examples';

type ExampleName = keyof typeof RECONCILIATION_EXAMPLES;

/**
 * The errors every route can answer: a URL fastify cannot read, no or a bad key, over the rate,
 * our failure (PostgreSQL's included: this API has no 503 of its own), and a server shutting down.
 */
const EVERY_ROUTE: readonly ProblemResponse[] = ['BadRequest', 'Unauthorized', 'RateLimited', 'InternalError', 'ShuttingDown'];

const json = (description: string, schema: string, examples: readonly ExampleName[], headers: readonly string[] = []): OpenApiObject => ({
  description,
  ...(headers.length > 0 ? { headers: Object.fromEntries(headers.map((h) => [h, ref('headers', h)])) } : {}),
  content: { 'application/json': { schema: ref('schemas', schema), examples: Object.fromEntries(examples.map((e) => [e, ref('examples', e)])) } },
});

const propertyIdParameter = { name: 'propertyId', in: 'path', required: true, description: "One of the caller's properties (another tenant's answers 404).", schema: { type: 'string', maxLength: 200 } };
const nightParameter = (name: 'from' | 'to', description: string) => ({ name, in: 'query', required: true, description, schema: { type: 'string', format: 'date' } });

const passIdParameter = { name: 'id', in: 'path', required: true, description: 'A pass id, as POST /v1/reconciliations answered it.', schema: jsonSchemaOf(passId, 'input') };

/**
 * The reconciliation API's routes, by method and path as OpenAPI writes them, each with every
 * status its handler can answer: the test (openapi.e2e.test.ts) holds this table equal to the
 * routes the app registers and to the service's real answers.
 */
export const RECONCILIATION_OPERATIONS: Record<string, OpenApiObject> = {
  'POST /v1/reconciliations': {
    operationId: 'startReconciliation',
    summary: "Starts a pass over one property or all the caller's: every channel listing is read and compared with the ledger, and drift corrected.",
    requestBody: { required: false, content: { 'application/json': { schema: ref('schemas', 'StartRequest'), examples: { startOne: ref('examples', 'startOne'), startAll: ref('examples', 'startAll') } } } },
    responses: withProblems(
      {
        200: json('A pass of this scope was running already: that pass, to follow.', 'PassStarted', ['alreadyRunning'], ['Location']),
        202: json('The pass started; follow it at Location.', 'PassStarted', ['started'], ['Location']),
      },
      [...EVERY_ROUTE, 'NotFound', 'BodyTooLarge', 'UnsupportedMediaType'],
    ),
  },
  'GET /v1/reconciliations/{id}': {
    operationId: 'getReconciliation',
    summary: "A pass's summary: listings read, drift found, corrected, failed, pending.",
    parameters: [passIdParameter],
    responses: withProblems({ 200: json("The pass's summary.", 'PassSummary', ['summary']) }, [...EVERY_ROUTE, 'NotFound']),
  },
  'GET /v1/reconciliations/{id}/listings': {
    operationId: 'listReconciliationListings',
    summary: 'What a pass found and did, per property, channel and listing.',
    parameters: [passIdParameter],
    responses: withProblems({ 200: json("The pass's listings.", 'PassListings', ['listings']) }, [...EVERY_ROUTE, 'NotFound']),
  },
  'GET /v1/properties/{propertyId}/drift': {
    operationId: 'getPropertyDrift',
    summary: "What the newest pass found of each listing of a property, its drift clipped to the nights [from, to): the operator console's drift row.",
    parameters: [propertyIdParameter, nightParameter('from', 'The first night, YYYY-MM-DD.'), nightParameter('to', 'The night after the last, YYYY-MM-DD; at most 62 nights after from.')],
    responses: withProblems({ 200: json("Each listing's newest pass.", 'PropertyDrift', ['drift']) }, [...EVERY_ROUTE, 'NotFound']),
  },
  'GET /v1/reconciliation-health': {
    operationId: 'getReconciliationHealth',
    summary: "Per channel and property, what the passes of the last days found and what became of their corrections (the caller's properties, or the one named).",
    parameters: [
      { name: 'property_id', in: 'query', required: false, description: "Only this property (one of the caller's; the operator's socket must name one).", schema: { type: 'string', maxLength: 200 } },
      { name: 'days', in: 'query', required: false, description: 'How far back, in days (1 to 90; 7 when absent).', schema: { type: 'integer', minimum: 1, maximum: 90, default: 7 } },
    ],
    responses: withProblems({ 200: json('The record per channel and property.', 'ReconciliationHealth', ['health']) }, [...EVERY_ROUTE, 'NotFound']),
  },
};

/** The OpenAPI 3.1 document of the reconciliation API. */
export function reconciliationApiDocument(): OpenApiObject {
  const shared = sharedComponents();
  const paths: Record<string, Record<string, OpenApiObject>> = {};
  for (const [route, operation] of Object.entries(RECONCILIATION_OPERATIONS)) {
    const [method, path] = route.split(' ') as [string, string];
    paths[path] = { ...paths[path], [method.toLowerCase()]: { tags: [path.startsWith('/v1/reconciliations') ? 'reconciliations' : 'console reads'], ...operation } };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Channel Manager reconciliation API (reconciler)',
      version: '0.1.0',
      description:
        "Start a reconciliation pass and read what it found. A tenant calls it with its API key, within its request rate (429 with Retry-After past it), for its own properties and passes only: another tenant's property or pass answers 404 as a missing one does. The operator's reconcile command uses the same routes on a Unix socket only its owner may open, with no key, over every tenant. Errors are RFC 9457 problem documents with a stable `code`.",
    },
    servers: [{ url: 'http://127.0.0.1:9414' }],
    security: [{ apiKey: [] }],
    tags: [{ name: 'reconciliations' }, { name: 'console reads' }],
    paths,
    components: {
      schemas: {
        ...shared.schemas,
        ...componentSchemas({ StartRequest: startBody }, 'input'),
        ...componentSchemas(
          { PassStarted: passStartedAnswer, PassSummary: passSummaryAnswer, PassListing: passListingAnswer, PassListings: passListingsAnswer, ListingLastPass: listingLastPassAnswer, PropertyDrift: propertyDriftAnswer, ReconciliationHealthRow: reconciliationHealthRow, ReconciliationHealth: reconciliationHealthAnswer },
          'output',
        ),
      },
      responses: shared.responses,
      headers: { ...shared.headers, Location: { description: 'Where to follow the pass: its summary.', schema: { type: 'string' }, example: '/v1/reconciliations/5a0d2c4e-8f1b-4a7c-9e3d-2b6f0c1a9d84' } },
      examples: Object.fromEntries(Object.entries(RECONCILIATION_EXAMPLES).map(([name, example]) => [name, { summary: example.summary, value: example.value }])),
      securitySchemes: shared.securitySchemes,
    },
  };
}
