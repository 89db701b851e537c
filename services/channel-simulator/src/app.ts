import Fastify, { type FastifyInstance } from 'fastify';
import { channelSegment, SIMULATED_CHANNELS } from './channels';
import { registerAdminBookings } from './routes/admin-bookings';
import { registerAdminFaults } from './routes/admin-faults';
import { registerAdminGlobal } from './routes/admin-global';
import { registerAdminListings } from './routes/admin-listings';
import type { RouteContext } from './routes/context';
import { sendError } from './routes/http';
import { registerIcal } from './routes/ical';
import { registerPlatformApi } from './routes/platform-api';
import { registerPlatformReservations } from './routes/platform-reservations';

/**
 * The HTTP app: every channel's platform API under `/{channel}/api`, its iCal export under
 * `/{channel}/ical`, its admin API under `/admin/{channel}`, and the cross-channel admin calls.
 * No request logging: the benchmark drives thousands of calls a second through here.
 */
export function buildApp(context: RouteContext, bodyLimitBytes: number): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: bodyLimitBytes, return503OnClosing: true });
  app.setErrorHandler((error, _request, reply) => sendError(reply, error, context.log));
  app.setNotFoundHandler((request, reply) => {
    const unknownChannel = firstChannelSegment(request.url);
    const body =
      unknownChannel !== undefined
        ? { error: 'unknown_channel', message: `no channel '${unknownChannel}'; channels: ${KNOWN_SEGMENTS.join(', ')}` }
        : { error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` };
    return reply.code(404).send(body);
  });

  for (const channel of SIMULATED_CHANNELS) {
    registerPlatformApi(app, context, channel);
    registerPlatformReservations(app, context, channel);
    registerAdminListings(app, context, channel);
    registerAdminBookings(app, context, channel);
    registerAdminFaults(app, context, channel);
    registerIcal(app, context, channel);
  }
  registerAdminGlobal(app, context);
  return app;
}

const KNOWN_SEGMENTS: readonly string[] = SIMULATED_CHANNELS.map(channelSegment);

/** The channel word of `/x/api/...`, `/x/ical/...` or `/admin/x/...` when it is not one we simulate. */
function firstChannelSegment(url: string): string | undefined {
  const parts = url.split('?')[0]!.split('/');
  const word = parts[1] === 'admin' ? parts[2] : parts[2] === 'api' || parts[2] === 'ical' ? parts[1] : undefined;
  return word !== undefined && word !== 'reset' && !KNOWN_SEGMENTS.includes(word) ? word : undefined;
}
