/** An instant as the read pages show it: to the second, in UTC, said so (the services answer ISO 8601 with milliseconds). */
export function whenText(iso: string | null | undefined): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
