import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLocalDate, type LocalDate } from '@cm/domain';
import { ChannelSymbols } from '@cm/schemas';
import { Problem, refuseNonIdentifier } from '@cm/service-runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { bookingView, type ChannelActivityBody, type PushCall, type StayHistoryBody } from './booking-view';
import { calendarRequestOf, calendarView, type ChannelNightsBody, type DriftBody, type LedgerNightsBody } from './calendar-view';
import { healthView, type ChannelHealthBody, type ReconciliationHealthBody } from './health-view';
import { panelOf } from './panels';
import type { ConsoleSession } from './session-store';
import type { ConsoleSources } from './sources';
import { whenText } from './time-text';

/** What the read pages take from the console they are part of (src/console/app.ts). */
export interface ReadPagesDeps {
  readonly sources: ConsoleSources;
  readonly now: () => number;
  /** The signed-in operator's session, within the tenant's rate. */
  signedIn(request: FastifyRequest): Promise<ConsoleSession>;
  /** The API key the session was opened with: the console reads the other services as that tenant. */
  apiKeyOf(request: FastifyRequest): Promise<string | null>;
  propertiesOf(tenantId: string): Promise<string[]>;
  render(request: FastifyRequest, reply: FastifyReply, status: number, template: string, data: Record<string, unknown>): Promise<unknown>;
}

/** The most correlation ids the dispatcher takes in one read of a booking's channel activity: the newest flows are the ones asked for. */
const MAX_CORRELATIONS = 100;
const STYLESHEET = readFileSync(join(__dirname, '..', '..', 'console', 'pages.css'));

const blankIsAbsent = (value: unknown) => (value === '' ? undefined : value);
const identifier = z.string().min(1).max(200).superRefine(refuseNonIdentifier);
const calendarQuery = z.strictObject({
  property_id: z.preprocess(blankIsAbsent, identifier.optional()),
  from: z.preprocess(blankIsAbsent, z.string().max(20).optional()),
  to: z.preprocess(blankIsAbsent, z.string().max(20).optional()),
});
const bookingParams = z.object({ propertyId: identifier, stayKey: identifier.refine((key) => /^[^:]+:.+$/s.test(key), "a booking is named '<source>:<reference>'") });
const pushesParams = z.object({
  propertyId: identifier,
  channel: z.enum(ChannelSymbols, { error: `a channel is one of ${ChannelSymbols.join(', ')}` }),
  listingId: identifier,
  night: z.string().refine((n) => !['not_iso_date', 'not_a_calendar_day'].includes(parseLocalDate(n)), 'a night is a YYYY-MM-DD calendar day'),
});
const bookingQuery = z.strictObject({ property_id: z.preprocess(blankIsAbsent, identifier.optional()), stay_key: z.preprocess(blankIsAbsent, z.string().trim().max(200).optional()) });
const healthQuery = z.strictObject({ property_id: z.preprocess(blankIsAbsent, identifier.optional()) });

/**
 * The console's read pages (issue 23 points 3 to 5): the multi-calendar, a booking's history, a
 * listing-night's pushes and channel health. Their facts belong to ingest, the dispatcher and the
 * reconciler, read over HTTP as the signed-in tenant (sources.ts); a source that is not configured
 * or does not answer gets a panel saying so and the rest of the page still shows. Another tenant's
 * property or booking is the console's 404 page, as a missing one is.
 */
export function registerReadPages(app: FastifyInstance, deps: ReadPagesDeps): void {
  const parse = <S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> => {
    const parsed = schema.safeParse(value ?? {});
    if (!parsed.success) throw new Problem(400, 'invalid_request', `${what}: ${parsed.error.issues.map((i) => `${i.path.join('.') || what}: ${i.message}`).join('; ')}`.slice(0, 500));
    return parsed.data;
  };
  /** The tenant and its key, or the sign-in page for a browser without a session. */
  const reader = async (request: FastifyRequest) => {
    const session = await deps.signedIn(request);
    // Two reads that need nothing of each other: at once, not one after the other.
    const [apiKey, properties] = await Promise.all([deps.apiKeyOf(request), deps.propertiesOf(session.tenantId)]);
    if (apiKey === null) throw new Problem(401, 'sign_in_again', 'this session keeps no API key to read the calendar and channels with: sign out and sign in again');
    return { session, apiKey, properties };
  };
  const requireProperty = (properties: readonly string[], propertyId: string) => {
    if (!properties.includes(propertyId)) throw new Problem(404, 'property_not_found', `no property '${propertyId}' for this tenant`);
  };
  const today = () => new Date(deps.now()).toISOString().slice(0, 10) as LocalDate;
  const p = encodeURIComponent;

  app.get('/static/pages.css', async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET));

  app.get('/calendar', async (request, reply) => {
    if (!request.consoleSession) return reply.redirect('/sign-in', 303);
    const { apiKey, properties } = await reader(request);
    const query = parse(calendarQuery, request.query, 'calendar');
    if (query.property_id !== undefined) requireProperty(properties, query.property_id);
    const asked = calendarRequestOf(query, properties, today());
    if ('problem' in asked) return deps.render(request, reply, 400, 'calendar.eta', { title: 'Multi-calendar', properties, form: asked.form, problem: asked.problem, view: null });
    const { request: range } = asked;
    const form = { propertyId: range.propertyId, from: range.from, to: range.to };
    if (range.propertyId === '') return deps.render(request, reply, 200, 'calendar.eta', { title: 'Multi-calendar', properties, form, problem: null, view: null });
    const nights = `from=${range.from}&to=${range.to}`;
    const [ledger, channels, drift] = await Promise.all([
      deps.sources.read<LedgerNightsBody>('ingest', `/v1/properties/${p(range.propertyId)}/ledger-nights?${nights}`, apiKey),
      deps.sources.read<ChannelNightsBody>('dispatcher', `/v1/properties/${p(range.propertyId)}/channel-nights?${nights}`, apiKey),
      deps.sources.read<DriftBody>('reconciler', `/v1/properties/${p(range.propertyId)}/drift?${nights}`, apiKey),
    ]);
    return deps.render(request, reply, 200, 'calendar.eta', { title: `Multi-calendar · ${range.propertyId}`, properties, form, problem: null, view: calendarView(range, ledger, channels, drift) });
  });

  /** The way to a booking without the calendar: its property and key, sent on to its page. */
  app.get('/bookings', async (request, reply) => {
    if (!request.consoleSession) return reply.redirect('/sign-in', 303);
    const { properties } = await reader(request);
    const query = parse(bookingQuery, request.query, 'booking');
    const form = { propertyId: query.property_id ?? properties[0] ?? '', stayKey: query.stay_key ?? '' };
    if (query.stay_key === undefined) return deps.render(request, reply, 200, 'bookings.eta', { title: 'Find a booking', properties, form, problem: null });
    const named = bookingParams.safeParse({ propertyId: form.propertyId, stayKey: query.stay_key });
    if (!named.success) return deps.render(request, reply, 400, 'bookings.eta', { title: 'Find a booking', properties, form, problem: named.error.issues.map((i) => i.message).join('; ') });
    requireProperty(properties, named.data.propertyId);
    return reply.redirect(`/bookings/${p(named.data.propertyId)}/${p(named.data.stayKey)}`, 303);
  });

  app.get('/bookings/:propertyId/:stayKey', async (request, reply) => {
    if (!request.consoleSession) return reply.redirect('/sign-in', 303);
    const { apiKey, properties } = await reader(request);
    const { propertyId, stayKey } = parse(bookingParams, request.params, 'path');
    requireProperty(properties, propertyId);
    const stay = `/v1/properties/${p(propertyId)}/stays/${p(stayKey)}`;
    const history = await deps.sources.read<StayHistoryBody>('ingest', `${stay}/history`, apiKey);
    if (history.kind === 'absent') throw new Problem(404, 'booking_not_found', `no booking '${stayKey}' at property '${propertyId}'`);
    // The channel side is looked up by the booking's flows, which only the ledger's answer names.
    const activity = history.kind === 'ok' ? await deps.sources.read<ChannelActivityBody>('dispatcher', `${stay}/channel-activity?correlation_ids=${history.body.correlation_ids.slice(-MAX_CORRELATIONS).map(p).join(',')}`, apiKey) : null;
    return deps.render(request, reply, 200, 'booking.eta', { when: whenText, title: `Booking ${stayKey}`, propertyId, stayKey, view: bookingView(history, activity), calendarHref: calendarHrefOf(propertyId, history.kind === 'ok' ? history.body.stay : null) });
  });

  app.get('/pushes/:propertyId/:channel/:listingId/:night', async (request, reply) => {
    if (!request.consoleSession) return reply.redirect('/sign-in', 303);
    const { apiKey, properties } = await reader(request);
    const { propertyId, channel, listingId, night } = parse(pushesParams, request.params, 'path');
    requireProperty(properties, propertyId);
    const answer = await deps.sources.read<{ pushes: readonly PushCall[] }>('dispatcher', `/v1/properties/${p(propertyId)}/listings/${channel}/${p(listingId)}/nights/${night}/pushes`, apiKey);
    if (answer.kind === 'absent') throw new Problem(404, 'listing_not_found', `no ${channel} listing '${listingId}' at property '${propertyId}'`);
    const panel = panelOf(answer, "this night's push history");
    return deps.render(request, reply, 200, 'pushes.eta', { when: whenText, title: `Pushes of ${channel} ${listingId} on ${night}`, propertyId, channel, listingId, night, pushes: answer.kind === 'ok' ? answer.body.pushes : null, panels: panel ? [panel] : [], calendarHref: `/calendar?property_id=${p(propertyId)}&from=${night}` });
  });

  app.get('/channel-health', async (request, reply) => {
    if (!request.consoleSession) return reply.redirect('/sign-in', 303);
    const { apiKey, properties } = await reader(request);
    const { property_id: propertyId } = parse(healthQuery, request.query, 'filters');
    if (propertyId !== undefined) requireProperty(properties, propertyId);
    const scope = propertyId === undefined ? '' : `?property_id=${p(propertyId)}`;
    const [pushes, passes] = await Promise.all([
      deps.sources.read<ChannelHealthBody>('dispatcher', `/v1/channel-health${scope}`, apiKey),
      deps.sources.read<ReconciliationHealthBody>('reconciler', `/v1/reconciliation-health${scope}`, apiKey),
    ]);
    return deps.render(request, reply, 200, 'health.eta', { when: whenText, title: 'Channel health', properties, propertyId: propertyId ?? '', view: healthView(pushes, passes) });
  });
}

/** The calendar from a stay's check-in (the page's thirty nights from there). */
function calendarHrefOf(propertyId: string, stay: StayHistoryBody['stay']): string {
  const base = `/calendar?property_id=${encodeURIComponent(propertyId)}`;
  return stay ? `${base}&from=${stay.check_in}` : base;
}
