import { conflictDetails, conflictFactsRecord, factsOfConflict, type ConflictFacts, type StayKey } from '@cm/domain';
import type { Conflict } from '@cm/schemas';
import { detailsOfConflict } from '../src/rules/facts';

const key = (k: string) => k as StayKey;

describe('what a review task keeps of a conflict record’s facts', () => {
  test("readable facts: as the audit log has them, the review API's details and what the resolutions read (losingKey, winningKey, losingDates)", () => {
    const overbooking: ConflictFacts = { type: 'OVERBOOKING', channel: 'AIRBNB', losingKey: key('AIRBNB:a1'), winningKey: key('PMS:p1'), losingDates: { checkIn: '2027-01-02', checkOut: '2027-01-05' } as never };
    const record = { conflict_type: overbooking.type, facts: conflictFactsRecord(overbooking) };
    expect(detailsOfConflict(record, factsOfConflict(record))).toEqual(conflictDetails(overbooking));
  });

  test('facts that do not parse: the record’s own fields, as strings', () => {
    const requested: ConflictFacts = { type: 'DATE_MODIFICATION', key: key('VRBO:v1'), requested: { checkIn: '2027-01-02', checkOut: '2027-01-05' } as never, requestedBy: 'channel', heldBy: [key('PMS:p1')] };
    const notAKey = { conflict_type: 'DATE_MODIFICATION', facts: { ...conflictFactsRecord(requested), key: 'nokey' } } as Pick<Conflict, 'conflict_type' | 'facts'>;
    expect(detailsOfConflict(notAKey, factsOfConflict(notAKey))).toMatchObject({ key: 'nokey', requested_by: 'channel' });
  });
});
