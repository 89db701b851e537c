import fc from 'fast-check';
import type { Source } from '@cm/schemas';
import { GUEST_FIELDS, mergeGuest, NO_GUEST, type GuestRecord, type GuestUpdate } from '../src/guest';

const sources: Source[] = ['PMS', 'AIRBNB', 'BOOKING_COM', 'VRBO', 'EXPEDIA'];
const value = fc.option(fc.record({ value: fc.constantFrom('a', 'b', 'c'), updatedAt: fc.integer({ min: 0, max: 10 }) }), { nil: null });
const update = fc.record({ name: value, email: value, phone: value }) as fc.Arbitrary<GuestUpdate>;

describe('guest merge', () => {
  it('the first values fill an empty record from any source', () => {
    const merged = mergeGuest(NO_GUEST, { name: { value: 'Ana', updatedAt: 1 }, email: null, phone: { value: '+1', updatedAt: 2 } }, 'VRBO');
    expect(merged).toEqual({ guest: { name: { value: 'Ana', updatedAt: 1, source: 'VRBO' }, email: null, phone: { value: '+1', updatedAt: 2, source: 'VRBO' } }, changed: ['name', 'phone'], kept: [] });
  });

  it('a channel may update a name it gave, with a newer one; not one the PMS gave', () => {
    const fromVrbo = mergeGuest(NO_GUEST, { name: { value: 'Ana', updatedAt: 1 }, email: null, phone: null }, 'VRBO').guest;
    expect(mergeGuest(fromVrbo, { name: { value: 'Anna', updatedAt: 2 }, email: null, phone: null }, 'VRBO').changed).toEqual(['name']);
    expect(mergeGuest(fromVrbo, { name: { value: 'Anna', updatedAt: 2 }, email: null, phone: null }, 'AIRBNB').kept).toEqual(['name']);
    const fromPms = mergeGuest(fromVrbo, { name: { value: 'Ana B.', updatedAt: 0 }, email: null, phone: null }, 'PMS').guest;
    expect(fromPms.name).toEqual({ value: 'Ana B.', updatedAt: 0, source: 'PMS' });
    expect(mergeGuest(fromPms, { name: { value: 'X', updatedAt: 99 }, email: null, phone: null }, 'VRBO').kept).toEqual(['name']);
  });

  it('a phone update time tie keeps what the ledger has', () => {
    const current = mergeGuest(NO_GUEST, { name: null, email: null, phone: { value: '+1', updatedAt: 5 } }, 'PMS').guest;
    expect(mergeGuest(current, { name: null, email: null, phone: { value: '+2', updatedAt: 5 } }, 'AIRBNB').kept).toEqual(['phone']);
  });

  it('property: nothing non-null is ever lost, and every field changed or kept is one that was offered', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(update, fc.constantFrom(...sources)), { maxLength: 8 }), (updates) => {
        let guest: GuestRecord = NO_GUEST;
        for (const [u, source] of updates) {
          const merged = mergeGuest(guest, u, source);
          for (const field of GUEST_FIELDS) {
            if (guest[field] !== null) expect(merged.guest[field]).not.toBeNull();
            if (!merged.changed.includes(field)) expect(merged.guest[field]).toBe(guest[field]);
          }
          for (const field of [...merged.changed, ...merged.kept]) expect(u[field]).not.toBeNull();
          if (merged.guest.phone && guest.phone) expect(merged.guest.phone.updatedAt).toBeGreaterThanOrEqual(guest.phone.updatedAt);
          guest = merged.guest;
        }
      }),
    );
  });
});
