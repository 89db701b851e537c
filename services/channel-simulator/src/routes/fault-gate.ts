import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChannelPlatform } from '../platform';
import type { ApiEndpoint } from '../stats';
import type { RouteContext } from './context';

/**
 * Runs a platform API call through its channel's faults before the endpoint reads it. Returns
 * true when the call goes on; otherwise it has been answered (or its connection destroyed) and
 * counted.
 */
export async function passFaults(
  context: RouteContext,
  platform: ChannelPlatform,
  endpoint: ApiEndpoint,
  listingId: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<boolean> {
  const admission = platform.faults.admit(endpoint, listingId, context.clock());
  if (admission.kind === 'destroy_connection') {
    platform.stats.countCall(endpoint, 'failed');
    reply.hijack();
    request.raw.socket.destroy();
    return false;
  }
  if (admission.delayMs > 0 && !(await delay(admission.delayMs, context.stopping))) {
    platform.stats.countCall(endpoint, 'failed');
    await reply.code(503).send({ error: 'stopping', message: 'the simulator is shutting down' });
    return false;
  }
  if (admission.kind === 'pass') return true;

  platform.stats.countCall(endpoint, admission.outcome);
  if (admission.retryAfterSeconds !== null) reply.header('retry-after', String(admission.retryAfterSeconds));
  await reply.code(admission.status).send({
    error: admission.code,
    message: admission.message,
    ...(admission.retryAfterSeconds !== null ? { retry_after_seconds: admission.retryAfterSeconds } : {}),
  });
  return false;
}

async function delay(ms: number, stopping: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal: stopping });
    return true;
  } catch {
    return false;
  }
}
