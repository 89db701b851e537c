import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';

/**
 * W3C trace context kept with work that outlives the call that started it (an outbox row, a
 * night waiting for its push), so the work is done in the trace it belongs to. With tracing off
 * there is no propagator: nothing is captured and work runs as it is.
 */

/** The `traceparent` of a record's headers, or null. */
export function traceParentOfHeaders(headers: Readonly<Record<string, Buffer | undefined>>): string | null {
  return headers.traceparent?.toString() ?? null;
}

/** Runs `work` in the trace context `traceParent` names (as is when null). */
export function inTraceOf<T>(traceParent: string | null | undefined, work: () => T): T {
  if (!traceParent) return work();
  return context.with(propagation.extract(ROOT_CONTEXT, { traceparent: traceParent }), work);
}
