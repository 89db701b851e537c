import { Problem } from '@cm/service-runtime';
import { resolveRequestSchema, type ResolveAction, type ResolveRequest } from '../resolve/actions';

/** The fields each action's form may carry beside `action` and the CSRF token; the operator is never one. */
const FIELDS: { readonly [A in ResolveAction]: readonly string[] } = {
  cancel_stay: ['booking_ref', 'booking_source', 'note'],
  accept_channel_price: ['booking_ref', 'amount_minor', 'currency', 'note'],
  keep_channel_guest: ['note'],
  relocate: ['property_id', 'guest_count', 'note'],
  withdraw_relocation: ['note'],
  repush_availability: ['note'],
  dismiss: ['note'],
};
const NUMERIC = new Set(['amount_minor', 'guest_count']);
export const RESOLVE_ACTIONS = Object.keys(FIELDS) as ResolveAction[];

/**
 * A resolution request from a console form, for the review desk's own schema to judge: the
 * operator is the session's (a form naming one is refused, not overridden), an empty optional field
 * is absent, numbers are read as whole decimal numbers, and a field the action does not take is a 400.
 */
export function resolveRequestOfForm(form: Readonly<Record<string, string>>, operator: string): ResolveRequest {
  if ('operator' in form) throw new Problem(400, 'operator_in_form', 'the operator is who is signed in; a form does not name one');
  const action = form.action as ResolveAction;
  if (!Object.hasOwn(FIELDS, action)) throw new Problem(400, 'unknown_action', `choose one of: ${RESOLVE_ACTIONS.join(', ')}`);
  const request: Record<string, unknown> = { action, operator };
  for (const [name, value] of Object.entries(form)) {
    if (name === 'action' || name === '_csrf') continue;
    if (!FIELDS[action].includes(name)) throw new Problem(400, 'unknown_field', `${action} takes no field '${name.slice(0, 50)}'`);
    if (value.trim() === '') continue;
    if (NUMERIC.has(name)) {
      if (!/^\d{1,15}$/.test(value.trim())) throw new Problem(400, 'invalid_form', `${name}: a whole number`);
      request[name] = Number(value.trim());
    } else request[name] = value;
  }
  if ('amount_minor' in request || 'currency' in request) {
    const { amount_minor, currency, ...rest } = request;
    Object.assign(rest, { price: { amount_minor, currency } });
    return parseRequest(rest);
  }
  return parseRequest(request);
}

function parseRequest(request: unknown): ResolveRequest {
  const parsed = resolveRequestSchema.safeParse(request);
  if (parsed.success) return parsed.data;
  const reasons = parsed.error.issues.map((i) => `${i.path.join('.') || 'form'}: ${i.message}`).join('; ');
  throw new Problem(400, 'invalid_form', reasons.slice(0, 500));
}

/** The form fields that ask again for the same request (the confirm step's hidden fields): the operator left out. */
export function formFieldsOf(request: ResolveRequest): [string, string][] {
  const fields: [string, string][] = [];
  for (const [name, value] of Object.entries(request)) {
    if (name === 'operator' || value === undefined) continue;
    if (name === 'price') {
      const price = value as { amount_minor: number; currency: string };
      fields.push(['amount_minor', String(price.amount_minor)], ['currency', price.currency]);
    } else fields.push([name, String(value)]);
  }
  return fields;
}
