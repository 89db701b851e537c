import type { Server } from 'node:http';

/**
 * Stops an HTTP server: no new connections, idle kept-alive ones ended now, and the rest cut after
 * `graceMs` (0: at once). A client polling on a kept-alive connection would otherwise hold close()
 * open for as long as it polls.
 */
export function closeHttpServer(server: Server, graceMs = 0): Promise<void> {
  return new Promise<void>((resolve) => {
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}
