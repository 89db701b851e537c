import fc from 'fast-check';
import type { Source } from '@cm/schemas';
import { mergeGuest, NO_GUEST, SINGLE_GUEST_FIELDS, type GuestRecord, type GuestUpdate, type PostalAddress } from '../src/guest';

const sources: Source[] = ['PMS', 'AIRBNB', 'BOOKING_COM', 'VRBO', 'EXPEDIA'];
const value = fc.option(fc.record({ value: fc.constantFrom('a', 'b', 'c'), updatedAt: fc.integer({ min: 0, max: 10 }) }), { nil: null });
const address = fc.option(fc.record({ value: fc.record({ line1: fc.constantFrom('1 Main St', '2 High St'), line2: fc.constant(null), city: fc.constantFrom('Lisboa', null), postalCode: fc.constant(null), region: fc.constant(null), country: fc.constantFrom('PT', null) }), updatedAt: fc.integer({ min: 0, max: 10 }) }), { nil: null });
const preferences = fc.option(fc.record({ value: fc.dictionary(fc.constantFrom('bed', 'arrival_time', 'floor'), fc.constantFrom('x', 'y')), updatedAt: fc.integer({ min: 0, max: 10 }) }), { nil: null });
const update = fc.record({ name: value, email: value, phone: value, address, language: value, preferences }) as fc.Arbitrary<GuestUpdate>;

describe('guest merge', () => {
  it('the first values fill an empty record from any source', () => {
    const merged = mergeGuest(NO_GUEST, { name: { value: 'Ana', updatedAt: 1 }, email: null, phone: { value: '+1', updatedAt: 2 } }, 'VRBO');
    expect(merged).toEqual({ guest: { ...NO_GUEST, name: { value: 'Ana', updatedAt: 1, source: 'VRBO' }, phone: { value: '+1', updatedAt: 2, source: 'VRBO' } }, changed: ['name', 'phone'], kept: [] });
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
          for (const field of SINGLE_GUEST_FIELDS) {
            if (guest[field] !== null) expect(merged.guest[field]).not.toBeNull();
            if (!merged.changed.includes(field)) expect(merged.guest[field]).toBe(guest[field]);
          }
          for (const key of Object.keys(guest.preferences)) expect(merged.guest.preferences[key]).toBeDefined();
          if (!merged.changed.includes('preferences')) expect(merged.guest.preferences).toBe(guest.preferences);
          for (const field of [...merged.changed, ...merged.kept]) expect(u[field]).toBeTruthy();
          // A channel's language or preference is never replaced by the PMS's.
          if (source === 'PMS' && guest.language && guest.language.source !== 'PMS') expect(merged.guest.language).toBe(guest.language);
          for (const [key, held] of Object.entries(guest.preferences)) if (source === 'PMS' && held.source !== 'PMS') expect(merged.guest.preferences[key]).toBe(held);
          if (merged.guest.phone && guest.phone) expect(merged.guest.phone.updatedAt).toBeGreaterThanOrEqual(guest.phone.updatedAt);
          guest = merged.guest;
        }
      }),
    );
  });

  describe('seed 3.3: address, language and preferences', () => {
    const only = (fields: Partial<GuestUpdate>): GuestUpdate => ({ name: null, email: null, phone: null, ...fields });
    const lisbon: PostalAddress = { line1: 'Rua Augusta 10', line2: null, city: 'Lisboa', postalCode: '1100-053', region: null, country: 'PT' };
    const porto: PostalAddress = { ...lisbon, line1: 'Rua das Flores 2', city: 'Porto', postalCode: '4050-262' };

    it('3.3 address: a channel supplements the PMS when it has none; the PMS address is never replaced by a channel', () => {
      const fromAirbnb = mergeGuest(NO_GUEST, only({ address: { value: lisbon, updatedAt: 1 } }), 'AIRBNB');
      expect(fromAirbnb).toMatchObject({ guest: { address: { value: lisbon, source: 'AIRBNB' } }, changed: ['address'] });
      const fromPms = mergeGuest(fromAirbnb.guest, only({ address: { value: porto, updatedAt: 0 } }), 'PMS');
      expect(fromPms).toMatchObject({ guest: { address: { value: porto, source: 'PMS' } }, changed: ['address'] });
      expect(mergeGuest(fromPms.guest, only({ address: { value: lisbon, updatedAt: 99 } }), 'BOOKING_COM')).toMatchObject({ guest: { address: { value: porto } }, kept: ['address'] });
      // The same address again is no change, whoever sends it.
      expect(mergeGuest(fromPms.guest, only({ address: { value: { ...porto }, updatedAt: 99 } }), 'BOOKING_COM')).toMatchObject({ changed: [], kept: [] });
    });

    it('3.3 address: kept whole, a channel may update the one it gave with a newer one, not another channel’s', () => {
      const fromAirbnb = mergeGuest(NO_GUEST, only({ address: { value: lisbon, updatedAt: 1 } }), 'AIRBNB').guest;
      expect(mergeGuest(fromAirbnb, only({ address: { value: porto, updatedAt: 2 } }), 'AIRBNB').guest.address).toEqual({ value: porto, updatedAt: 2, source: 'AIRBNB' });
      expect(mergeGuest(fromAirbnb, only({ address: { value: porto, updatedAt: 2 } }), 'VRBO').kept).toEqual(['address']);
    });

    it('3.3 language: the channel knows the guest’s current language; a channel’s replaces the PMS’s, never the reverse', () => {
      const fromPms = mergeGuest(NO_GUEST, only({ language: { value: 'en', updatedAt: 5 } }), 'PMS').guest;
      const fromChannel = mergeGuest(fromPms, only({ language: { value: 'pt-BR', updatedAt: 1 } }), 'AIRBNB');
      expect(fromChannel).toMatchObject({ guest: { language: { value: 'pt-BR', source: 'AIRBNB' } }, changed: ['language'] });
      expect(mergeGuest(fromChannel.guest, only({ language: { value: 'en', updatedAt: 9 } }), 'PMS')).toMatchObject({ guest: { language: { value: 'pt-BR' } }, kept: ['language'] });
      // Between channels, the newer wins.
      expect(mergeGuest(fromChannel.guest, only({ language: { value: 'es', updatedAt: 2 } }), 'VRBO').guest.language).toMatchObject({ value: 'es', source: 'VRBO' });
      expect(mergeGuest(fromChannel.guest, only({ language: { value: 'es', updatedAt: 1 } }), 'VRBO').kept).toEqual(['language']);
    });

    it('3.3 preferences: merged key by key, a channel’s value taking precedence over the PMS’s', () => {
      const fromPms = mergeGuest(NO_GUEST, only({ preferences: { value: { bed: 'double', floor: 'high' }, updatedAt: 5 } }), 'PMS').guest;
      const merged = mergeGuest(fromPms, only({ preferences: { value: { bed: 'twin', arrival_time: '22:00' }, updatedAt: 1 } }), 'BOOKING_COM');
      expect(Object.fromEntries(Object.entries(merged.guest.preferences).map(([k, p]) => [k, [p.value, p.source]]))).toEqual({ bed: ['twin', 'BOOKING_COM'], floor: ['high', 'PMS'], arrival_time: ['22:00', 'BOOKING_COM'] });
      expect(merged.changed).toEqual(['preferences']);
      const pmsAgain = mergeGuest(merged.guest, only({ preferences: { value: { bed: 'double', floor: 'low' }, updatedAt: 9 } }), 'PMS');
      expect([pmsAgain.guest.preferences.bed?.value, pmsAgain.guest.preferences.floor?.value]).toEqual(['twin', 'low']);
      expect(pmsAgain).toMatchObject({ changed: ['preferences'], kept: ['preferences'] });
      // A key left out says nothing: nothing is erased.
      expect(Object.keys(mergeGuest(merged.guest, only({ preferences: { value: { pillow: 'soft' }, updatedAt: 10 } }), 'PMS').guest.preferences).sort()).toEqual(['arrival_time', 'bed', 'floor', 'pillow']);
    });
  });
});
