import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import { TEST_SECRETS_KEYS } from '@cm/test-harness';

/**
 * docker-compose.yml has no default password or key: compose interpolates them from the
 * environment. These stand in for an operator's, to read the file as compose would run it.
 */
export const COMPOSE_CREDENTIALS = {
  POSTGRES_PASSWORD: 'test-postgres-password',
  REDIS_PASSWORD: 'test-redis-password',
  SECRETS_KEYS: TEST_SECRETS_KEYS,
  GRAFANA_ADMIN_PASSWORD: 'test-grafana-password',
  OPERATOR_API_TOKEN: 'test-operator-token-of-32-characters!',
} as const;

export interface ComposeService {
  image?: string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  command?: string[];
  depends_on?: Record<string, { condition: string }>;
}

const root = join(__dirname, '..');

/** The compose binary (Debian's docker-compose, which validates without an engine). */
export function composeBinary(): string {
  try {
    return execFileSync('bash', [join(root, 'scripts/lib/observability.sh'), 'ensure_compose_lint'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n')[0]!;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`scripts/lib/observability.sh ensure_compose_lint could not provide docker-compose: ${e.stderr || e.message}`);
  }
}

/** `docker-compose config` with the given environment: the file as compose runs it, variables filled in. */
export function composeConfig(env: Record<string, string> = COMPOSE_CREDENTIALS): string {
  const { PATH, HOME } = process.env;
  try {
    return execFileSync(composeBinary(), ['-f', 'docker-compose.yml', 'config'], { cwd: root, env: { PATH, HOME, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`docker-compose config failed: ${e.stderr || e.message}`);
  }
}

export function composeServices(env?: Record<string, string>): Record<string, ComposeService> {
  return (parse(composeConfig(env)) as { services: Record<string, ComposeService> }).services;
}
