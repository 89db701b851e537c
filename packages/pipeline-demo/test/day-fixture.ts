import type { DayReport } from '../src/day';
import type { RunFacts } from '../src/report-html';

const evidence = { dispatcher: 2, platforms: 2 };
/** A day in which Expedia acknowledged nothing during its outage (seconds 3 to 5) and Airbnb nothing at second 2. */
export const day: DayReport = {
  bookings: { made: 30, refusedByChannel: 1, accepted: 25, rejected: 4 },
  directBookings: { made: 2, accepted: 1, refused: 1 },
  modifications: 3,
  vrboChanges: 1,
  cancellations: 3,
  guestUpdates: 3,
  priceEdits: 3,
  conflicts: [{ type: 'OVERBOOKING', resolution: 'review', count: 4 }],
  reviewTasks: [{ type: 'OVERBOOKING', severity: 'critical', opened: 4, resolvedByOperator: 4, resolvedBySystem: 0 }],
  operator: { tasks: 4, cancelStay: 2, keepChannelGuest: 2, unresolved: 0 },
  channelActions: {
    declinedLosers: evidence,
    cancelledLosers: evidence,
    cancelledWinners: evidence,
    pmsChanges: { reached: 1, dateChanges: 1, notReached: 0 },
    acknowledged: { ...evidence, waiting: 0, waitingEvents: {}, notNeeded: 5 },
    pending: 0,
    settledInMs: 900,
    settled: true,
  },
  doubleBookings: { ledger: 0, acrossChannels: 0, openWhileBooked: 0, heldForAnother: 0 },
  lag: {
    p50Ms: 100,
    p99Ms: 2500,
    pushes: 40,
    byChannel: {
      EXPEDIA: [1, 2, 3, 4, 5, 6].map((second) => ({ second, meanMs: second >= 3 && second <= 5 ? null : 40 * second, pushes: second >= 3 && second <= 5 ? 0 : 2 })),
      AIRBNB: [1, 2, 3, 4, 5, 6].map((second) => ({ second, meanMs: second === 2 ? null : 30, pushes: second === 2 ? 0 : 1 })),
    },
  },
  icalLag: { p50Ms: 1000, p99Ms: 10000, pushes: 3, byChannel: { VRBO: [{ second: 2, meanMs: 1200, pushes: 3 }] } },
  outage: { channel: 'EXPEDIA', seconds: 3, failedCalls: 7, fromSecond: 3, toSecond: 6 },
  drift: { found: 2, nights: 3, corrected: 2, failed: 0 },
  vrboBookings: 4,
  vrboPolls: { changed: 5, unchanged: 9, failed: 0 },
  convergedInMs: 1500,
};
export const facts: RunFacts = { run: 'a1b2c3d4', startedAt: new Date('2026-12-05T03:30:00.000Z'), commit: '411874d967b7', durationMs: 83_400 };
