import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * The fields that hold secrets wherever a log line could carry them (a connection's webhook secret
 * and credentials, a listing's import URL, an export feed token, the key ring and its variable),
 * at the top of a line and one level down (`{ connection: { secret } }`): censored, never written.
 */
const SECRET_FIELDS = ['secret', 'webhookSecret', 'webhook_secret', 'credentials', 'importUrl', 'import_url', 'exportToken', 'export_token', 'token', 'feedToken', 'SECRETS_KEYS', 'keyRing', 'authorization'];
export const REDACTED_LOG_PATHS: readonly string[] = SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]);

/** JSON lines on stdout; one child per component so a line says where it came from. */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  const options = { name: service, level, base: { service }, redact: { paths: [...REDACTED_LOG_PATHS], censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
