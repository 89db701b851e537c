/** Bounds of what one request may ask, so a runaway caller cannot make one call cost seconds. */
export const LIMITS = {
  /** Longest range one ARI update may cover (two years ahead is what hosts open). */
  updateNights: 731,
  updatesPerRequest: 200,
  /** Longest calendar read, as the platforms allow. */
  calendarNights: 366,
  stayNights: 365,
  idLength: 200,
  /** A host's reason for declining or cancelling. */
  reasonLength: 500,
  /** Longest window of a request to book (the platforms give 24 h). */
  requestWindowMs: 604_800_000,
  /** How many request_ids a channel remembers for dedupe (the oldest are forgotten first). */
  rememberedRequestIds: 200_000,
} as const;
