import type { WebhookAddress } from '@cm/channel-webhooks';
import type { GuestDetails } from '@cm/schemas';

/** Guest fields as a channel's webhook or the PMS API sends them. */
export interface GuestInput {
  readonly name?: string | null;
  readonly email?: string | null;
  readonly phone?: string | null;
  readonly address?: WebhookAddress | null;
  readonly language?: string | null;
  readonly preferences?: Readonly<Record<string, string>> | null;
}

/**
 * A sender's guest fields to the Avro guest, every field given stamped with the time the sender
 * changed them: the language canonical (`pt-br` is `pt-BR`), the country upper case.
 */
export function toGuestDetails(guest: GuestInput, updatedAt: number, path: string, problem: (path: string, message: string) => void): GuestDetails {
  const at = (value: unknown) => (value === null || value === undefined ? null : updatedAt);
  const language = guest.language ? languageTag(guest.language) : null;
  if (guest.language && !language) problem(`${path}.language`, `'${guest.language.slice(0, 35)}' is not a BCP 47 language tag`);
  const a = guest.address;
  const address = a ? { line1: a.line1, line2: a.line2 ?? null, city: a.city ?? null, postal_code: a.postal_code ?? null, region: a.region ?? null, country: a.country?.toUpperCase() ?? null } : null;
  const preferences = { ...(guest.preferences ?? {}) };
  return {
    name: guest.name ?? null,
    name_updated_at: at(guest.name),
    email: guest.email ?? null,
    email_updated_at: at(guest.email),
    phone: guest.phone ?? null,
    phone_updated_at: at(guest.phone),
    address,
    address_updated_at: at(address),
    language,
    language_updated_at: at(language),
    preferences,
    preferences_updated_at: Object.keys(preferences).length > 0 ? updatedAt : null,
  };
}

/** A BCP 47 tag in its canonical form, or null if it is none. */
export function languageTag(text: string): string | null {
  try {
    const [canonical] = Intl.getCanonicalLocales(text.trim());
    return canonical ?? null;
  } catch {
    return null;
  }
}
