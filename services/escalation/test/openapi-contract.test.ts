import fastify from 'fastify';
import { documentedResponse, documentedRoutes, documentedStatuses, registeredRoutes } from '@cm/test-harness';

/** The helpers the OpenAPI tests compare with: a route missing on either side must show. */
describe('OpenAPI contract helpers', () => {
  it("reads every route of a fastify app, nested ones and parameters as OpenAPI writes them, without fastify's HEADs", async () => {
    const app = fastify();
    const ok = async () => ({});
    app.get('/', ok);
    app.get('/v1/things', ok);
    app.get('/v1/things/:id', ok);
    app.post('/v1/things/:id/close', ok);
    app.delete('/v1/things/:id', ok);
    app.put('/v1/settings', ok);
    app.get('/v1/settings', ok);
    await app.ready();
    expect(registeredRoutes(app)).toEqual(['DELETE /v1/things/{id}', 'GET /', 'GET /v1/settings', 'GET /v1/things', 'GET /v1/things/{id}', 'POST /v1/things/{id}/close', 'PUT /v1/settings']);
    await app.close();
  });

  it("lists a document's operations and statuses, and follows a response's $ref", () => {
    const document = {
      paths: { '/v1/things/{id}': { parameters: [], get: { responses: { 200: { description: 'ok' }, 429: { $ref: '#/components/responses/RateLimited' } } }, delete: { responses: { 204: { description: 'gone' } } } } },
      components: { responses: { RateLimited: { description: 'slow down', headers: { 'Retry-After': {} } } } },
    };
    expect(documentedRoutes(document)).toEqual(['DELETE /v1/things/{id}', 'GET /v1/things/{id}']);
    expect(documentedStatuses(document, 'GET /v1/things/{id}')).toEqual([200, 429]);
    expect(documentedResponse(document, 'GET /v1/things/{id}', 429)).toEqual({ description: 'slow down', headers: { 'Retry-After': {} } });
    expect(documentedStatuses(document, 'POST /v1/things/{id}')).toEqual([]);
  });
});
