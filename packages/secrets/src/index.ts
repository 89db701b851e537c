/**
 * Secrets at rest: a key ring from the environment (`secretsConfig`, SECRETS_KEYS) that seals
 * with its first key and opens with any, each sealed value bound to what it protects.
 */
export { KeyRing, sealedKeyId } from './key-ring';
export { secretsConfig } from './config';
export { maskSecret } from './mask';
export { KeyRingInvalidError, SecretUnreadableError, SecretsError, type UnreadableReason } from './errors';
