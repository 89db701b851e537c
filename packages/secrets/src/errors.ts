/**
 * Why a key ring or a sealed secret cannot be used. Each has a stable `code`; none is retriable:
 * the same key ring or the same stored value fails the same way until an operator changes it.
 * No message ever holds key material or a secret.
 */
export abstract class SecretsError extends Error {
  abstract readonly code: string;
  readonly retriable = false;
}

/** The key ring text (SECRETS_KEYS) is missing or ill-formed: the process cannot start. */
export class KeyRingInvalidError extends SecretsError {
  readonly code = 'key_ring_invalid';
  constructor(readonly problem: string) {
    super(`the key ring is not usable: ${problem}`);
  }
}

/** Why a sealed value did not open. */
export type UnreadableReason = 'malformed' | 'unknown_key' | 'not_authentic';

/**
 * A sealed value that does not open: not one of our envelopes, sealed under a key this ring no
 * longer holds (add it back, then re-encrypt), or not authentic (tampered with, or copied from
 * another row: it is bound to what it protects).
 */
export class SecretUnreadableError extends SecretsError {
  readonly code = 'secret_unreadable';
  constructor(readonly reason: UnreadableReason, readonly context: string, keyId?: string) {
    super(`the secret of ${context} does not open: ${UNREADABLE_DETAIL[reason]}${keyId ? ` (key '${keyId}')` : ''}`);
  }
}

const UNREADABLE_DETAIL: Readonly<Record<UnreadableReason, string>> = {
  malformed: 'the stored value is not a sealed secret of a known format',
  unknown_key: 'it was sealed under a key the key ring does not hold; add that key to SECRETS_KEYS (after the current one) and run `admin secrets reencrypt`',
  not_authentic: 'it was altered, or sealed for another record',
};
