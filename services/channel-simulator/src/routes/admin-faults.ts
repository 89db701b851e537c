import type { FastifyInstance } from 'fastify';
import type { Channel } from '@cm/schemas';
import type { CapabilitiesResponse, StatsResponse } from '../api-types';
import { PLATFORM_CAPABILITIES } from '../capabilities';
import { channelSegment } from '../channels';
import { faultPlanSchema } from '../fault-plan';
import type { RouteContext } from './context';
import { parseInput } from './http';

/** Admin: a channel's fault plan (set, read, clear), its counters and the reservation operations it offers. */
export function registerAdminFaults(app: FastifyInstance, context: RouteContext, channel: Channel): void {
  const platform = context.platforms[channel];
  const segment = channelSegment(channel);

  app.put(`/admin/${segment}/faults`, async (request) => {
    platform.faults.set(parseInput(faultPlanSchema, request.body), context.clock());
    return platform.faults.view(context.clock());
  });

  app.get(`/admin/${segment}/faults`, async () => platform.faults.view(context.clock()));

  app.delete(`/admin/${segment}/faults`, async (_request, reply) => {
    platform.faults.clear();
    return reply.code(204).send();
  });

  app.get(`/admin/${segment}/stats`, async () => {
    const answer: StatsResponse = { channel: segment, ...platform.stats.view(platform.listings.values()) };
    return answer;
  });

  app.get(`/admin/${segment}/capabilities`, async () => {
    const answer: CapabilitiesResponse = { channel: segment, operations: PLATFORM_CAPABILITIES[channel] };
    return answer;
  });
}
