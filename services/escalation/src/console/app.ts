import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyView from '@fastify/view';
import { propertyIdsOfTenant, tenantOfApiKey } from '@cm/directory';
import { ConflictTypeSymbols, SeveritySymbols } from '@cm/schemas';
import { Problem, refuseNonIdentifier, withinTenantRate, type BucketLimits, type Knex, type Logger, type TakeResult } from '@cm/service-runtime';
import { Eta } from 'eta';
import fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { dependencyErrorOf } from '../errors';
import { taskParams } from '../http/app';
import { afterResolution, type ResolutionHooks } from '../http/resolution-hooks';
import { losingStayOf, stayKeysOf } from '../resolve/actions';
import type { RelocationStore } from '../store/relocation-store';
import type { ReviewStore } from '../store/review-store';
import type { TaskRow } from '../store/task-store';
import { TaskStatusSymbols } from '../tasks/types';
import { formFieldsOf, resolveRequestOfForm } from './actions-form';
import { parseStrictForm } from './form';
import { describeCommand, previewAcknowledge, previewResolution } from './preview';
import { registerReadPages } from './pages';
import { queueOrder, slaLeft } from './queue';
import type { ConsoleSession, SessionStore } from './session-store';
import type { ConsoleSources } from './sources';

export interface ConsoleDeps extends ResolutionHooks {
  readonly db: Knex;
  readonly desk: ReviewStore;
  readonly relocations: RelocationStore;
  readonly sessions: SessionStore;
  /** Ingest, the dispatcher and the reconciler, read by the calendar, booking and health pages (pages.ts). */
  readonly sources: ConsoleSources;
  readonly levels: readonly string[];
  readonly log: Logger;
  readonly buckets: { take(key: string, limits: BucketLimits): Promise<TakeResult> };
  /** Requests a second one tenant's operators may make (bursts of twice that), as on the review API. */
  readonly ratePerSecond: number;
  /** Counts a sign-in by its outcome (escalation_console_sign_ins_total). */
  onSignIn(outcome: SignInOutcome): void;
  /** The proxies whose X-Forwarded-For names the client (sign-in tries are limited per client address); none: the peer is the client. */
  readonly trustedProxies: readonly string[];
  /** Cookies only over HTTPS: true in production; a test on plain http://127.0.0.1 turns it off. */
  readonly secureCookies: boolean;
  readonly now: () => number;
}

export type SignInOutcome = 'signed_in' | 'refused_key' | 'invalid_form' | 'rate_limited';

const SESSION_COOKIE = 'cm_console_session';
/** The console's own files: templates (eta) and the stylesheet, beside the package, not compiled. */
const VIEWS = join(__dirname, '..', '..', 'console', 'views');
const STYLESHEET = readFileSync(join(__dirname, '..', '..', 'console', 'console.css'));
const HTMX = readFileSync(require.resolve('htmx.org/dist/htmx.min.js'));
/** Sign-in tries one address may make a second (bursts of ten): a key is 32 random bytes, but a guessing loop should still be slow. */
const SIGN_IN_LIMITS: BucketLimits = { rate: 1, burst: 10 };
/** The most tasks one queue page orders; past it the page says how many more match. */
const QUEUE_PAGE = 200;

const blankIsAbsent = (value: unknown) => (value === '' ? undefined : value);
const operatorName = z.string().trim().min(1, 'your name is needed: it is recorded with what you do').max(200).superRefine(refuseNonIdentifier);
const signInForm = z.strictObject({ _csrf: z.string(), api_key: z.string().trim().min(1, 'the API key is needed').max(200), operator: operatorName });
const queueQuery = z.strictObject({
  status: z.preprocess(blankIsAbsent, z.enum([...TaskStatusSymbols, 'all']).default('open')),
  severity: z.preprocess(blankIsAbsent, z.enum(SeveritySymbols).optional()),
  type: z.preprocess(blankIsAbsent, z.enum(ConflictTypeSymbols).optional()),
  property_id: z.preprocess(blankIsAbsent, z.string().max(200).superRefine(refuseNonIdentifier).optional()),
});
const csrfOnly = z.strictObject({ _csrf: z.string() });

declare module 'fastify' {
  interface FastifyRequest {
    consoleSession: ConsoleSession | null;
  }
}

/**
 * The operator console: server-rendered pages (eta templates, htmx for in-page updates) over the
 * review desk the review API uses, in the same process, so every rule is the desk's. An operator
 * signs in with one of the tenant's API keys and their name; the key is checked against the
 * directory and kept sealed in the session (PostgreSQL) with the tenant and the name, for the read
 * pages to call the other services as that tenant, and every
 * acknowledgement and resolution is recorded as that name. Every state-changing form carries a
 * CSRF token (double submit, @fastify/csrf-protection); the session cookie is HttpOnly and
 * SameSite=Strict. Another tenant's task or property is answered as absent (404).
 */
export async function buildConsole(deps: ConsoleDeps): Promise<FastifyInstance> {
  const app = fastify({
    logger: false,
    bodyLimit: 16 * 1024,
    forceCloseConnections: true,
    return503OnClosing: true,
    querystringParser: (query) => parseQuery(query),
    // Ids are up to 200 characters, which percent-encoding can triple (fastify's default is 100).
    routerOptions: { maxParamLength: 1_000 },
    trustProxy: deps.trustedProxies.length > 0 ? [...deps.trustedProxies] : false,
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseStrictForm(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  await app.register(fastifyCookie);
  await app.register(fastifyCsrf, { cookieKey: 'cm_console_csrf', cookieOpts: { path: '/', httpOnly: true, sameSite: 'strict', secure: deps.secureCookies } });
  await app.register(fastifyView, { engine: { eta: new Eta({ autoEscape: true }) }, root: VIEWS, layout: 'layout.eta', production: true });
  app.decorateRequest('consoleSession', null);

  app.addHook('onRequest', async (request) => {
    const malformed = (request.query as { [MALFORMED_QUERY]?: unknown })[MALFORMED_QUERY];
    if (malformed) throw malformed;
    // The script and stylesheet are the same for everyone: no session read for them.
    if (request.url.startsWith('/static/')) return;
    request.consoleSession = await deps.sessions.find(request.cookies[SESSION_COOKIE]);
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    // Scripts and styles only from the console itself (htmx is served from here); no framing.
    void reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'no-referrer');
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    return payload;
  });
  app.setErrorHandler((error, request, reply) => {
    const problem = problemOf(error);
    if (problem.status >= 500) deps.log.error({ err: error, route: request.routeOptions.url }, 'console request failed');
    void reply.headers(problem.headers);
    return render(request, reply, problem.status, 'error.eta', { title: titleOf(problem.status), problem: problem.body() });
  });
  app.setNotFoundHandler((request, reply) => render(request, reply, 404, 'error.eta', { title: 'Not found', problem: { status: 404, code: 'page_not_found', detail: `no page ${request.url.split('?')[0]!.slice(0, 200)}` } }));

  /** A page: the layout's data (who is signed in, a CSRF token for its forms) with the page's own. */
  async function render(request: FastifyRequest, reply: FastifyReply, status: number, template: string, data: Record<string, unknown>) {
    const csrf = reply.generateCsrf();
    return reply.code(status).type('text/html; charset=utf-8').view(template, { session: request.consoleSession, csrf, nav: request.routeOptions.url, ...data });
  }
  /** The signed-in operator's tenant, within the tenant's request rate; a page without a session sends the browser to sign in. */
  async function signedIn(request: FastifyRequest): Promise<ConsoleSession> {
    const session = request.consoleSession;
    if (!session) throw new Problem(401, 'not_signed_in', 'sign in with your API key first');
    await withinTenantRate(deps.buckets, 'console', session.tenantId, deps.ratePerSecond);
    return session;
  }
  const parse = <S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> => {
    const parsed = schema.safeParse(value ?? {});
    if (!parsed.success) throw new Problem(400, 'invalid_form', `${what}: ${parsed.error.issues.map((i) => `${i.path.join('.') || what}: ${i.message}`).join('; ')}`.slice(0, 500));
    return parsed.data;
  };
  // After the body is parsed: the token comes in the form.
  const csrfProtected = { preHandler: app.csrfProtection };
  const taskOf = async (tenantId: string, id: string): Promise<TaskRow> => {
    const task = await deps.desk.get(tenantId, id);
    if (!task) throw new Problem(404, 'task_not_found', `no review task '${id}' for this tenant`);
    return task;
  };
  const propertiesOf = async (tenantId: string): Promise<string[]> => (await propertyIdsOfTenant(deps.db, tenantId).orderBy('property_id')).map((r: { property_id: string }) => r.property_id);

  app.get('/static/htmx.min.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(HTMX));
  app.get('/static/console.css', async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET));

  app.get('/', async (request, reply) => reply.redirect(request.consoleSession ? '/queue' : '/sign-in', 303));

  app.get('/sign-in', async (request, reply) => render(request, reply, 200, 'sign-in.eta', { title: 'Sign in', form: { operator: '' }, problem: null }));

  app.post('/sign-in', csrfProtected, async (request, reply) => {
    const taken = await deps.buckets.take(`console-sign-in:ip:${request.ip}`, SIGN_IN_LIMITS);
    if (!taken.allowed) {
      deps.onSignIn('rate_limited');
      throw new Problem(429, 'rate_limited', `too many sign-in tries from this address; retry after ${Math.max(1, Math.ceil(taken.retryAfterMs / 1000))} s`);
    }
    const raw = (request.body ?? {}) as Record<string, string>;
    const form = signInForm.safeParse(raw);
    const again = (status: number, problem: { code: string; detail: string }) =>
      render(request, reply, status, 'sign-in.eta', { title: 'Sign in', form: { operator: typeof raw.operator === 'string' ? raw.operator : '' }, problem });
    if (!form.success) {
      deps.onSignIn('invalid_form');
      return again(400, { code: 'invalid_form', detail: form.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ').slice(0, 500) });
    }
    const tenantId = await tenantOfApiKey(deps.db, form.data.api_key);
    if (!tenantId) {
      deps.onSignIn('refused_key');
      return again(401, { code: 'invalid_api_key', detail: 'the API key is unknown or revoked' });
    }
    await deps.sessions.close(request.cookies[SESSION_COOKIE]);
    const { token, expiresAtMs } = await deps.sessions.open(tenantId, form.data.operator, form.data.api_key);
    deps.onSignIn('signed_in');
    void reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'strict', secure: deps.secureCookies, expires: new Date(expiresAtMs) });
    return reply.redirect('/queue', 303);
  });

  app.post('/sign-out', csrfProtected, async (request, reply) => {
    parse(csrfOnly, request.body, 'form');
    await deps.sessions.close(request.cookies[SESSION_COOKIE]);
    void reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: deps.secureCookies });
    return reply.redirect('/sign-in', 303);
  });

  app.get('/queue', async (request, reply) => {
    if (!request.consoleSession) return reply.redirect('/sign-in', 303);
    const { tenantId } = await signedIn(request);
    const query = parse(queueQuery, request.query, 'filters');
    const properties = await propertiesOf(tenantId);
    if (query.property_id && !properties.includes(query.property_id)) throw new Problem(404, 'property_not_found', `no property '${query.property_id}' for this tenant`);
    const status = query.status === 'all' ? undefined : query.status;
    const { tasks, total } = await deps.desk.list(tenantId, { status, severity: query.severity, type: query.type, propertyId: query.property_id, limit: QUEUE_PAGE, offset: 0 });
    const now = deps.now();
    const rows = queueOrder(tasks).map((task) => ({ task, sla: slaLeft(task, now), level: deps.levels[Math.min(task.level, deps.levels.length - 1)] }));
    return render(request, reply, 200, 'queue.eta', { title: 'Review queue', query, rows, total, shown: tasks.length, properties, severities: SeveritySymbols, statuses: [...TaskStatusSymbols, 'all'], types: ConflictTypeSymbols });
  });

  app.get('/tasks/:id', async (request, reply) => {
    if (!request.consoleSession) return reply.redirect('/sign-in', 303);
    const { tenantId } = await signedIn(request);
    const task = await taskOf(tenantId, parse(taskParams, request.params, 'path').id);
    const [history, relocations, properties] = await Promise.all([deps.desk.history(task.task_id), deps.relocations.ofTask(task.task_id), propertiesOf(tenantId)]);
    const subject = { taskId: task.task_id, tenantId, propertyId: task.property_id, bookingRef: task.booking_ref, details: task.details };
    return render(request, reply, 200, 'task.eta', {
      title: `Task ${task.summary}`.slice(0, 120),
      task,
      sla: slaLeft(task, deps.now()),
      level: deps.levels[Math.min(task.level, deps.levels.length - 1)],
      history: history.map((h) => ({ ...h, at: new Date(Number(h.at_ms)).toISOString() })),
      relocations,
      options: {
        stays: stayKeysOf(task),
        overbooking: losingStayOf(subject) !== null,
        pendingRelocation: relocations.some((r) => r.status === 'pending'),
        otherProperties: properties.filter((p) => p !== task.property_id),
      },
    });
  });

  /** The confirm step: what the chosen action will do, before anything is done. A GET: it changes nothing. */
  app.get('/tasks/:id/confirm', async (request, reply) => {
    if (!request.consoleSession) return reply.redirect('/sign-in', 303);
    const { tenantId, operator } = await signedIn(request);
    const task = await taskOf(tenantId, parse(taskParams, request.params, 'path').id);
    const form = request.query as Record<string, string>;
    if (form.action === 'acknowledge') {
      if (Object.keys(form).length > 1) throw new Problem(400, 'unknown_field', 'acknowledge takes no field');
      const preview = previewAcknowledge(task, operator);
      return render(request, reply, 200, 'confirm.eta', { title: 'Confirm: acknowledge', task, action: 'acknowledge', preview, fields: [], post: `/tasks/${task.task_id}/acknowledge` });
    }
    const resolveRequest = resolveRequestOfForm(form, operator);
    const preview = previewResolution(task, tenantId, resolveRequest, deps.now());
    return render(request, reply, 200, 'confirm.eta', { title: `Confirm: ${resolveRequest.action}`, task, action: resolveRequest.action, preview, fields: formFieldsOf(resolveRequest), post: `/tasks/${task.task_id}/resolve` });
  });

  // A result page's address: htmx shows the task's (a reload then shows the task as it is now,
  // not a second POST); without htmx the browser keeps the POST's address, whose GET leads there too.
  const showTaskAddress = (reply: FastifyReply, taskId: string) => void reply.header('hx-push-url', `/tasks/${taskId}`);
  for (const action of ['acknowledge', 'resolve']) app.get(`/tasks/:id/${action}`, async (request, reply) => reply.redirect(`/tasks/${parse(taskParams, request.params, 'path').id}`, 303));

  app.post('/tasks/:id/acknowledge', csrfProtected, async (request, reply) => {
    const { tenantId, operator } = await signedIn(request);
    const { id } = parse(taskParams, request.params, 'path');
    parse(csrfOnly, request.body, 'form');
    const result = await deps.desk.acknowledge(tenantId, id, operator);
    showTaskAddress(reply, id);
    if (result.refused) return render(request, reply, result.status, 'result.eta', { title: 'Not acknowledged', refusal: result, task: await deps.desk.get(tenantId, id), action: 'acknowledge', outcome: null });
    return render(request, reply, 200, 'result.eta', { title: 'Acknowledged', refusal: null, task: result.task, action: 'acknowledge', outcome: { steps: [`Acknowledged by ${result.task.acknowledged_by}.`] } });
  });

  app.post('/tasks/:id/resolve', csrfProtected, async (request, reply) => {
    const { tenantId, operator } = await signedIn(request);
    const { id } = parse(taskParams, request.params, 'path');
    const resolveRequest = resolveRequestOfForm((request.body ?? {}) as Record<string, string>, operator);
    const result = await deps.desk.resolve(tenantId, id, resolveRequest);
    showTaskAddress(reply, id);
    if (result.refused) return render(request, reply, result.status, 'result.eta', { title: 'Not resolved', refusal: result, task: await deps.desk.get(tenantId, id), action: resolveRequest.action, outcome: null });
    afterResolution(result, resolveRequest.action, deps);
    const steps: string[] = [];
    if (result.replayed) steps.push('This resolution was already made with the same request: nothing new was sent.');
    if (result.relocation) {
      steps.push(`Relocation to ${result.relocation.property_id}: ${result.relocation.status}${result.relocation.status === 'pending' ? ' (waiting for the ledger; the task closes once it accepts)' : ''}.`);
    } else if (result.task.status === 'resolved') {
      steps.push(`Resolved as ${result.task.resolution} by ${result.task.resolved_by}.`);
    }
    const issued = result.commandId ? await commandOf(deps.db, result.commandId) : null;
    if (issued) steps.push(`Sent to the ledger: ${describeCommand(issued)} (command ${result.commandId})`);
    else if (!result.relocation) steps.push('No command was sent.');
    return render(request, reply, 200, 'result.eta', { title: result.task.status === 'resolved' ? 'Resolved' : 'Accepted', refusal: null, task: result.task, action: resolveRequest.action, outcome: { steps } });
  });

  registerReadPages(app, { sources: deps.sources, now: deps.now, signedIn, apiKeyOf: (request) => deps.sessions.apiKeyOf(request.cookies[SESSION_COOKIE]), propertiesOf, render });
  return app;
}

/** The command a resolution wrote to the outbox, as the ledger gets it. */
async function commandOf(db: Knex, commandId: string) {
  const row = await db('escalation.issued_commands').where({ command_id: commandId }).first('command');
  return row ? (typeof row.command === 'string' ? JSON.parse(row.command) : row.command) : null;
}

/** Marks a query string that could not be read: the onRequest hook answers it with the parser's 400. */
const MALFORMED_QUERY = Symbol('malformed query');

/**
 * A query string read as strictly as a form body (ill-formed escapes and repeated names are 400s).
 * Fastify calls this outside its error handling, where a throw ends the process: the refusal is
 * carried on the result instead, and thrown by the first hook.
 */
function parseQuery(query: string): Record<string, string> {
  try {
    return parseStrictForm(query);
  } catch (error) {
    return { [MALFORMED_QUERY]: error } as unknown as Record<string, string>;
  }
}

function problemOf(error: unknown): Problem {
  if (error instanceof Problem) return error;
  const e = error as { code?: string; statusCode?: number; message?: string };
  if (e.code === 'FST_CSRF_INVALID_TOKEN' || e.code === 'FST_CSRF_MISSING_SECRET') return new Problem(403, 'invalid_csrf_token', 'this form did not come from this console, or it expired: reload the page and try again');
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new Problem(413, 'body_too_large', 'the form is larger than the console takes');
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new Problem(415, 'unsupported_media_type', 'send the form as application/x-www-form-urlencoded');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return new Problem(e.statusCode, 'bad_request', (e.message ?? 'bad request').slice(0, 200));
  const failure = dependencyErrorOf(error);
  if (failure) return new Problem(failure.status, failure.code, failure.message);
  return new Problem(500, 'internal_error', 'the request failed on our side');
}

function titleOf(status: number): string {
  if (status === 401) return 'Sign in first';
  if (status === 403) return 'Refused';
  if (status === 404) return 'Not found';
  if (status === 429) return 'Too many requests';
  return status >= 500 ? 'Something failed' : 'Cannot do that';
}
