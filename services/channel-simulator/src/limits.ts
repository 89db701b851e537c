/** Bounds of what one request may ask, so a runaway caller cannot make one call cost seconds. */
export const LIMITS = {
  /** Longest range one ARI update may cover (two years ahead is what hosts open). */
  updateNights: 731,
  updatesPerRequest: 200,
  /** Longest calendar read, as the platforms allow. */
  calendarNights: 366,
  stayNights: 365,
  idLength: 200,
  /** How many request_ids a channel remembers for dedupe (the oldest are forgotten first). */
  rememberedRequestIds: 200_000,
} as const;
