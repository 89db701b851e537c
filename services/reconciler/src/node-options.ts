/**
 * The reconciler's Node options as deployed (docker-compose.yml, the Helm values; the
 * reconciliation benchmark starts it with them). A pass allocates fast while it streams calendars;
 * without a limit V8 lets the heap grow toward a quarter of the machine's memory before collecting.
 * 256 MB keeps a 40,000-listing pass near 300 MB resident (scripts/bench-reconcile).
 */
export const RECONCILER_NODE_OPTIONS = '--disable-warning=TimeoutNegativeWarning --max-old-space-size=256';
