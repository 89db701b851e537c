import type { FastifyInstance } from 'fastify';
import { SIMULATED_CHANNELS } from '../channels';
import type { RouteContext } from './context';

/** Admin across channels: forget everything (tests between cases), and a liveness probe. */
export function registerAdminGlobal(app: FastifyInstance, context: RouteContext): void {
  app.post('/admin/reset', async (_request, reply) => {
    for (const channel of SIMULATED_CHANNELS) context.platforms[channel].reset();
    return reply.code(204).send();
  });

  app.get('/health', async () => ({ status: 'ok' }));
}
