import type { CalendarEntry } from '@cm/ical';
import { feedChangeEvents, stayRefOf } from '../src/ical-import/feed-events';
import { raisesFailure } from '../src/ical-import/importer';

const entry = (checkIn: string, checkOut: string): CalendarEntry => ({ uid: 'u1@vrbo.example', kind: 'reservation', checkIn, checkOut });
const before = { uid: 'u1@vrbo.example', kind: 'reservation' as const, checkIn: '2027-03-01', checkOut: '2027-03-04' };
const eventsOf = (known: { generation: number; revision: number } | undefined, change: Parameters<typeof feedChangeEvents>[0]['changes'][number]) =>
  feedChangeEvents({ channel: 'VRBO', listingId: 'v-1', changes: [change], known: () => known, sourceVersion: 10, occurredAt: 10, correlationId: 'c' });

describe('an imported feed change as a channel event', () => {
  it('a change sent again before it was recorded (after a crash) is the same event', () => {
    const moved = { change: 'moved' as const, entry: entry('2027-03-02', '2027-03-05'), before };
    expect(eventsOf({ generation: 1, revision: 1 }, moved)[0]!.event.external_event_id).toBe(eventsOf({ generation: 1, revision: 1 }, moved)[0]!.event.external_event_id);
  });

  it('a stay moved back to dates it had before is a new event (its revision names it)', () => {
    const moved = { change: 'moved' as const, entry: entry('2027-03-02', '2027-03-05'), before };
    const first = eventsOf({ generation: 1, revision: 1 }, moved)[0]!;
    const again = eventsOf({ generation: 1, revision: 3 }, moved)[0]!;
    expect(again.event.external_event_id).not.toBe(first.event.external_event_id);
    expect(again.event.external_reservation_id).toBe(first.event.external_reservation_id);
    expect(again.held).toMatchObject({ revision: 4, generation: 1, present: true });
  });

  it('appeared, moved and disappeared become a confirmed reservation, a date change and a cancellation of one stay reference', () => {
    const appeared = eventsOf(undefined, { change: 'appeared', entry: entry('2027-03-01', '2027-03-04') })[0]!;
    expect(appeared.event).toMatchObject({ event_type: 'RESERVATION_CREATED', reservation_status: 'CONFIRMED', external_reservation_id: stayRefOf('u1@vrbo.example', 1) });
    expect(eventsOf({ generation: 1, revision: 1 }, { change: 'moved', entry: entry('2027-03-02', '2027-03-05'), before }).map((c) => c.event.event_type)).toEqual(['RESERVATION_MODIFIED']);
    const gone = eventsOf({ generation: 1, revision: 2 }, { change: 'disappeared', before })[0]!;
    expect(gone.event).toMatchObject({ event_type: 'RESERVATION_CANCELLED', reservation_status: 'CANCELLED', external_reservation_id: stayRefOf('u1@vrbo.example', 1) });
    expect(gone.held.present).toBe(false);
    // The UID back after it left is a new stay.
    expect(eventsOf({ generation: 1, revision: 3 }, { change: 'appeared', entry: entry('2027-05-01', '2027-05-03') })[0]!.event.external_reservation_id).toBe(stayRefOf('u1@vrbo.example', 2));
  });
});

describe('which failures in a row of a feed raise SYNC_FAILED', () => {
  it('the first, the fourth (5.2.3), then each tenth power: a handful a day, not one per read', () => {
    expect([...Array(1_001).keys()].filter(raisesFailure)).toEqual([1, 4, 10, 100, 1_000]);
  });
});
