import fc from 'fast-check';
import { SeveritySymbols, type Severity } from '@cm/schemas';
import { acknowledgeRefusal, firstDueAt, repeatTask, slaStep } from '../src/tasks/lifecycle';
import { SEVERITY_RANK } from '../src/tasks/severity';
import type { Occurrence, OpenTaskState } from '../src/tasks/types';

const MINUTE = 60_000;
const occurrence = (severity: Severity, slaMinutes: number): Occurrence => ({
  key: 'k', conflictType: 'GUEST_DISPUTE', propertyId: 'p', channel: 'AIRBNB', bookingRef: 'r', severity, slaMinutes, rule: 'r', escalatedBy: 'e', summary: 's', details: {}, eventId: 'e', seenAtMs: 0,
});
const task = (overrides: Partial<OpenTaskState> = {}): OpenTaskState => ({ severity: 'HIGH', slaMinutes: 240, status: 'open', dueAtMs: firstDueAt(0, 240, MINUTE), occurrences: 1, ...overrides });

describe('a repeat of an open conflict updates its task', () => {
  test('a repeat of the same severity is counted; SLA and due time stay', () => {
    expect(repeatTask(task(), occurrence('HIGH', 240), 10 * MINUTE, MINUTE)).toEqual({ severity: 'HIGH', slaMinutes: 240, dueAtMs: 240 * MINUTE, occurrences: 2, severityRaised: false });
  });

  test('a worse repeat raises the severity and brings the due time forward to its SLA', () => {
    expect(repeatTask(task(), occurrence('CRITICAL', 15), 10 * MINUTE, MINUTE)).toEqual({ severity: 'CRITICAL', slaMinutes: 15, dueAtMs: 25 * MINUTE, occurrences: 2, severityRaised: true });
  });

  test('a milder repeat never lowers the severity', () => {
    expect(repeatTask(task(), occurrence('LOW', 4_320), MINUTE, MINUTE)).toMatchObject({ severity: 'HIGH', slaMinutes: 240, severityRaised: false });
  });

  test('property: over any sequence of repeats the severity is the worst seen and the due time never moves later', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...SeveritySymbols), fc.integer({ min: 1, max: 5_000 })), { minLength: 1, maxLength: 20 }), (repeats) => {
        let state = task({ severity: 'LOW', slaMinutes: 4_320, dueAtMs: 4_320 * MINUTE });
        let now = 0;
        for (const [severity, sla] of repeats) {
          now += MINUTE;
          const next = repeatTask(state, occurrence(severity, sla), now, MINUTE);
          expect(next.dueAtMs).toBeLessThanOrEqual(state.dueAtMs);
          state = { ...state, ...next };
        }
        const worst = repeats.reduce((w, [s]) => (SEVERITY_RANK[s] > SEVERITY_RANK[w] ? s : w), 'LOW' as Severity);
        expect(state.severity).toBe(worst);
        expect(state.occurrences).toBe(repeats.length + 1);
      }),
    );
  });
});

describe('the SLA timer', () => {
  const levels = 3;
  test('an open task past its SLA moves one level up with a fresh SLA', () => {
    expect(slaStep({ status: 'open', level: 0, dueAtMs: 100, slaMinutes: 15 }, levels, 100, MINUTE)).toEqual({ kind: 'escalate', level: 1, dueAtMs: 100 + 15 * MINUTE });
  });
  test('at the top level the top is reminded every SLA, the level stays', () => {
    expect(slaStep({ status: 'open', level: 2, dueAtMs: 100, slaMinutes: 15 }, levels, 500, MINUTE)).toEqual({ kind: 'remind_top_level', level: 2, dueAtMs: 500 + 15 * MINUTE });
  });
  test('before its due time nothing happens', () => {
    expect(slaStep({ status: 'open', level: 0, dueAtMs: 101, slaMinutes: 15 }, levels, 100, MINUTE)).toEqual({ kind: 'ignore', reason: 'not_due' });
  });
  test('an acknowledged or resolved task never escalates', () => {
    expect(slaStep({ status: 'acknowledged', level: 0, dueAtMs: 0, slaMinutes: 15 }, levels, 100, MINUTE)).toEqual({ kind: 'ignore', reason: 'not_open' });
    expect(slaStep({ status: 'resolved', level: 0, dueAtMs: 0, slaMinutes: 15 }, levels, 100, MINUTE)).toEqual({ kind: 'ignore', reason: 'not_open' });
  });
});

test('status: open -> acknowledged -> resolved; a resolved task is final', () => {
  expect(acknowledgeRefusal('open')).toBeNull();
  expect(acknowledgeRefusal('acknowledged')).toBe('already_acknowledged');
  expect(acknowledgeRefusal('resolved')).toBe('task_resolved');
});
