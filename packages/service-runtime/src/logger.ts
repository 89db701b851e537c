import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON lines on stdout; one child per component so a line says where it came from. */
export function createLogger(service: string, level: string): Logger {
  return pino({ name: service, level, base: { service } });
}
