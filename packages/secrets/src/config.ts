import { z } from 'zod';
import { KeyRingInvalidError } from './errors';
import { KeyRing } from './key-ring';

/**
 * The key ring of a service that reads or writes secrets, parsed at start from SECRETS_KEYS (set
 * from a Kubernetes Secret in a cluster). Required, with no default: a service that cannot open
 * its secrets must not start. The problem never quotes the variable's value.
 */
export const secretsConfig = z.object({
  /** The key ring secrets are sealed under: id:base64-key pairs, comma-separated, the first sealing (packages/secrets/README.md). */
  SECRETS_KEYS: z.string({ error: 'is required but not set' }).transform((text, ctx): KeyRing => {
    try {
      return KeyRing.parse(text);
    } catch (error) {
      if (!(error instanceof KeyRingInvalidError)) throw error;
      ctx.addIssue({ code: 'custom', message: `${error.problem} (SECRETS_KEYS="<id>:<base64 of 32 bytes>[,<older id>:<base64>...]")` });
      return z.NEVER;
    }
  }),
});
