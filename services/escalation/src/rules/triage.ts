import { assess, assessConflictRecord, isUnreadable, recordSyncOutcome, type SyncStreak } from '@cm/domain';
import type { Conflict, SyncResult } from '@cm/schemas';
import { conflictKey } from '../tasks/conflict-key';
import { SLA_MINUTES_BY_SEVERITY } from '../tasks/severity';
import type { Occurrence } from '../tasks/types';
import { detailsOfConflict } from './facts';

/** What a conflict record comes to here: a review task (new or repeated), or only a count. */
export type Triage =
  | { readonly kind: 'review'; readonly occurrence: Occurrence; readonly assessedFrom: 'facts' | 'record'; readonly why: string | null }
  | { readonly kind: 'count_only'; readonly reason: 'no_review_required'; readonly assessedFrom: 'facts' | 'record'; readonly why: string | null };

/**
 * The rules of 5.2 from the domain's `assessConflictRecord`, the one place that decides them:
 * applied again to the record's facts (authoritative: the rules as they are now), or, when the
 * record's facts do not give the domain's, the producer's own verdict (requires_review, severity,
 * sla_minutes), with `why` saying what did not parse.
 */
export function triageConflict(conflict: Conflict): Triage {
  const { assessment, facts, assessedFrom } = assessConflictRecord(conflict);
  const why = isUnreadable(facts) ? `the record does not give the ${conflict.conflict_type} facts (${facts.reason}); the record's own verdict is used` : null;
  if (!assessment.requiresReview) return { kind: 'count_only', reason: 'no_review_required', assessedFrom, why };
  const details = detailsOfConflict(conflict, facts);
  const occurrence: Occurrence = {
    key: conflictKey({ conflictType: conflict.conflict_type, propertyId: conflict.property_id, channel: conflict.channel, bookingRef: conflict.booking_ref, details }),
    conflictType: conflict.conflict_type,
    propertyId: conflict.property_id,
    channel: conflict.channel,
    bookingRef: conflict.booking_ref,
    severity: assessment.severity,
    slaMinutes: assessment.slaMinutes ?? SLA_MINUTES_BY_SEVERITY[assessment.severity],
    rule: conflict.rule,
    escalatedBy: assessment.escalatedBy ?? conflict.rule,
    summary: conflict.summary,
    details,
    eventId: conflict.event_id,
    seenAtMs: conflict.detected_at,
  };
  return { kind: 'review', occurrence, assessedFrom, why };
}

/**
 * 5.2.3 from sync.results.v2: counts the push outcome on the property's channel streak; when the
 * streak first passes the threshold, the SYNC_FAILED occurrence to record.
 */
export function triageSyncResult(streak: SyncStreak, result: SyncResult): { streak: SyncStreak; occurrence: Occurrence | null } {
  // A reservation action's outcome is no push: its failure raises its own SYNC_FAILED, and it breaks no push streak.
  if (result.reservation_action !== null) return { streak, occurrence: null };
  const { streak: next, raise } = recordSyncOutcome(streak, result.outcome, result.channel);
  if (!raise) return { streak: next, occurrence: null };
  const assessment = assess(raise);
  const details = { consecutiveFailures: String(next.consecutiveFailures), error: (result.error ?? '').slice(0, 1_000), change_event_id: result.change_event_id };
  return {
    streak: next,
    occurrence: {
      key: conflictKey({ conflictType: 'SYNC_FAILED', propertyId: result.property_id, channel: result.channel, bookingRef: null, details }),
      conflictType: 'SYNC_FAILED',
      propertyId: result.property_id,
      channel: result.channel,
      bookingRef: null,
      severity: assessment.severity,
      slaMinutes: assessment.slaMinutes ?? SLA_MINUTES_BY_SEVERITY[assessment.severity],
      rule: '5.2 sync failures',
      escalatedBy: assessment.escalatedBy ?? '5.2.3 more than 3 consecutive sync failures',
      summary: `${result.channel} failed ${next.consecutiveFailures} pushes in a row for ${result.property_id}: ${(result.error ?? 'no error given').slice(0, 200)}`,
      details,
      eventId: result.event_id,
      seenAtMs: result.completed_at,
    },
  };
}
