/**
 * How a stored secret is shown after its creation: its last four characters, enough to tell two
 * apart, never enough to use. Short secrets show nothing of themselves.
 */
export function maskSecret(secret: string | null | undefined): string {
  if (secret === null || secret === undefined) return '(none)';
  return secret.length >= 16 ? `****${secret.slice(-4)}` : '****';
}
