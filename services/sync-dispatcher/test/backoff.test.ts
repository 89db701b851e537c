import { MAX_RETRY_AFTER_MS, nextDelayMs, parseRetryAfter, PUSH_OUTCOMES, shouldRetry, type PushOutcome, type RetryPolicy } from '../src/policy/backoff';
import { seededRandom } from '@cm/service-runtime';

describe('nextDelayMs: full jitter over an exponential ceiling', () => {
  it.each([
    // attempt, baseMs, maxMs, random, expected
    [1, 100, 10_000, 0.5, 50], // ceiling 100
    [2, 100, 10_000, 0.5, 100], // ceiling 200
    [3, 100, 10_000, 0.5, 200], // ceiling 400
    [7, 100, 10_000, 0.5, 3_200], // ceiling 6,400
    [8, 100, 10_000, 0.5, 5_000], // 12,800 capped at 10,000
    [50, 100, 10_000, 0.999, 9_990],
    [2_000, 100, 10_000, 0.5, 5_000], // 2^1999 would overflow: still the cap
    [1, 100, 10_000, 0, 0],
    [1, 100, 10_000, 0.99999, 99], // stays below the ceiling, whole milliseconds
    [2_000, 0, 10_000, 0.5, 0], // no base, no wait (and not NaN from 0 * Infinity)
    [5, 100, 0, 0.5, 0],
    [1, 250.5, 10_000, 0.5, 125], // floors to whole milliseconds
  ])('attempt %i, base %d, max %d, random %d waits %i ms', (attempt, baseMs, maxMs, random, expected) => {
    expect(nextDelayMs({ attempt, baseMs, maxMs, random })).toBe(expected);
  });

  it('spreads retries over the whole window [0, ceiling), not just its upper half', () => {
    const delays = [0, 0.25, 0.5, 0.75].map((random) => nextDelayMs({ attempt: 4, baseMs: 125, maxMs: 60_000, random }));
    expect(delays).toEqual([0, 250, 500, 750]);
  });

  it.each([
    // computed delay (attempt 1, base 100, max 10,000, random 0.5) is 50 ms unless said otherwise
    ['a longer Retry-After wins over the computed delay', { retryAfterMs: 30_000 }, 30_000],
    ['a Retry-After longer than maxMs is still honoured', { retryAfterMs: 120_000 }, 120_000],
    ['a Retry-After at the hard limit is honoured exactly', { retryAfterMs: 600_000 }, 600_000],
    ['a Retry-After past the hard limit is cut to 10 minutes', { retryAfterMs: 3_600_000 }, 600_000],
    ['a longer computed delay wins over a shorter Retry-After', { attempt: 7, retryAfterMs: 1_000 }, 3_200],
    ['a Retry-After of 0 leaves the computed delay', { retryAfterMs: 0 }, 50],
    ['a null Retry-After leaves the computed delay', { retryAfterMs: null }, 50],
    ['a fractional Retry-After rounds up, never waiting less than asked', { retryAfterMs: 1_500.2 }, 1_501],
  ])('%s', (_rule, overrides, expected) => {
    expect(nextDelayMs({ attempt: 1, baseMs: 100, maxMs: 10_000, random: 0.5, ...overrides })).toBe(expected);
  });

  it('the hard limit on Retry-After is 10 minutes', () => {
    expect(MAX_RETRY_AFTER_MS).toBe(600_000);
  });

  it.each([
    ['attempt 0', { attempt: 0 }, 'attempt must be an integer >= 1, got 0'],
    ['a fractional attempt', { attempt: 1.5 }, 'attempt must be an integer >= 1, got 1.5'],
    ['random 1', { random: 1 }, 'random must be in [0, 1), got 1'],
    ['a negative random', { random: -0.1 }, 'random must be in [0, 1), got -0.1'],
    ['a NaN random', { random: Number.NaN }, 'random must be in [0, 1), got NaN'],
    ['a negative base', { baseMs: -1 }, 'baseMs must be a finite number >= 0, got -1'],
    ['an infinite max', { maxMs: Number.POSITIVE_INFINITY }, 'maxMs must be a finite number >= 0, got Infinity'],
    ['a negative Retry-After', { retryAfterMs: -1 }, 'retryAfterMs must be a finite number >= 0, got -1'],
    ['a NaN Retry-After', { retryAfterMs: Number.NaN }, 'retryAfterMs must be a finite number >= 0, got NaN'],
  ])('refuses %s (a caller bug)', (_case, overrides, message) => {
    expect(() => nextDelayMs({ attempt: 1, baseMs: 100, maxMs: 10_000, random: 0.5, ...overrides })).toThrow(new RangeError(message));
  });

  it('for 1,000 seeded inputs: whole ms, within [0, ceiling) unless Retry-After lifts it, never below the capped Retry-After', () => {
    const random = seededRandom(20_260_301);
    for (let run = 0; run < 1_000; run += 1) {
      const attempt = 1 + Math.floor(random() * 40);
      const baseMs = Math.floor(random() * 2_000);
      const maxMs = Math.floor(random() * 120_000);
      const retryAfterMs = random() < 0.5 ? null : Math.floor(random() * 1_200_000);
      const delay = nextDelayMs({ attempt, baseMs, maxMs, random: random(), retryAfterMs });
      const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
      const floor = retryAfterMs === null ? 0 : Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
      const context = { run, attempt, baseMs, maxMs, retryAfterMs, delay };
      expect({ ...context, whole: Number.isInteger(delay) }).toEqual({ ...context, whole: true });
      expect({ ...context, atLeastFloor: delay >= floor }).toEqual({ ...context, atLeastFloor: true });
      expect({ ...context, withinWindow: delay === floor || delay < Math.max(ceiling, 1) }).toEqual({ ...context, withinWindow: true });
    }
  });
});

describe('parseRetryAfter (RFC 9110 §10.2.3)', () => {
  const now = Date.UTC(2026, 2, 1, 12, 0, 0); // Sun, 01 Mar 2026 12:00:00 GMT

  it.each([
    ['120', 120_000],
    ['0', 0],
    ['007', 7_000],
    [' 5 ', 5_000], // surrounding whitespace is not part of the value
    ['-5', 0], // negative: retry now
    ['99999999999999999999', Number.MAX_SAFE_INTEGER], // absurd but a number: clamped, nextDelayMs caps it
  ])('delay-seconds %j is %d ms', (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });

  it.each([
    ['IMF-fixdate 30 s ahead', 'Sun, 01 Mar 2026 12:00:30 GMT', 30_000],
    ['IMF-fixdate 5 min ahead', 'Sun, 01 Mar 2026 12:05:00 GMT', 300_000],
    ['IMF-fixdate a day ahead', 'Mon, 02 Mar 2026 12:00:00 GMT', 86_400_000],
    ['IMF-fixdate exactly now', 'Sun, 01 Mar 2026 12:00:00 GMT', 0],
    ['IMF-fixdate in the past', 'Sat, 28 Feb 2026 12:00:00 GMT', 0],
    ['IMF-fixdate with a leap second', 'Sun, 01 Mar 2026 12:00:60 GMT', 60_000],
    ['IMF-fixdate whose day name is wrong (not checked)', 'Mon, 01 Mar 2026 12:00:10 GMT', 10_000],
    ['RFC 850 date, two-digit year', 'Sunday, 01-Mar-26 12:01:00 GMT', 60_000],
    ['RFC 850 date of the RFC example (1994): past', 'Sunday, 06-Nov-94 08:49:37 GMT', 0],
    ['RFC 850 year 76 is 2076, 50 years ahead', 'Sunday, 01-Mar-76 12:00:00 GMT', Date.UTC(2076, 2, 1, 12) - now],
    ['RFC 850 year 77 would be 51 years ahead: 1977, past', 'Tuesday, 01-Mar-77 12:00:00 GMT', 0],
    ['asctime, day padded with a space', 'Sun Mar  1 12:00:45 2026', 45_000],
    ['asctime, two-digit day', 'Wed Mar 11 12:00:00 2026', 864_000_000],
  ])('%s: %j', (_form, header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });

  it('an HTTP-date across the year end', () => {
    expect(parseRetryAfter('Fri, 01 Jan 2027 00:00:30 GMT', Date.UTC(2026, 11, 31, 23, 59, 30))).toBe(60_000);
  });

  it('a leap day exists in 2028 and not in 2026', () => {
    expect(parseRetryAfter('Tue, 29 Feb 2028 00:00:00 GMT', Date.UTC(2028, 1, 28))).toBe(86_400_000);
    expect(parseRetryAfter('Sun, 29 Feb 2026 00:00:00 GMT', Date.UTC(2026, 1, 28))).toBeNull();
  });

  it.each([
    ['absent (null)', null],
    ['absent (undefined)', undefined],
    ['empty', ''],
    ['blank', '   '],
    ['a fraction of seconds', '1.5'],
    ['seconds with a unit', '5s'],
    ['a signed positive number', '+5'],
    ['a word', 'soon'],
    ['an ISO 8601 timestamp', '2026-03-01T12:05:00Z'],
    ['an impossible day', 'Sun, 31 Feb 2026 12:00:00 GMT'],
    ['hour 24', 'Sun, 01 Mar 2026 24:00:00 GMT'],
    ['minute 60', 'Sun, 01 Mar 2026 12:60:00 GMT'],
    ['second 61', 'Sun, 01 Mar 2026 12:00:61 GMT'],
    ['lower case (HTTP-date is case-sensitive)', 'sun, 01 mar 2026 12:00:00 gmt'],
    ['a zone other than GMT', 'Sun, 01 Mar 2026 12:00:00 UTC'],
    ['an unpadded day in IMF-fixdate', 'Sun, 1 Mar 2026 12:00:00 GMT'],
    ['asctime with a single space before a one-digit day', 'Sun Mar 1 12:00:00 2026'],
    ['a year Date.UTC would read as 19xx', 'Sun, 01 Mar 0026 12:00:00 GMT'],
  ])('%s is null', (_case, header) => {
    expect(parseRetryAfter(header, now)).toBeNull();
  });

  it('refuses a non-finite clock (a caller bug)', () => {
    expect(() => parseRetryAfter('5', Number.NaN)).toThrow(new RangeError('nowMs must be finite, got NaN'));
  });

  it('a parsed header feeds nextDelayMs: Retry-After 3 s outweighs a 50 ms backoff', () => {
    const retryAfterMs = parseRetryAfter('3', now);
    expect(nextDelayMs({ attempt: 1, baseMs: 100, maxMs: 10_000, random: 0.5, retryAfterMs })).toBe(3_000);
  });
});

describe('shouldRetry', () => {
  const policy: RetryPolicy = { maxAttempts: 3, baseMs: 100, maxMs: 10_000 };

  it('knows every push outcome', () => {
    expect(PUSH_OUTCOMES).toEqual(['ok', 'rate_limited', 'server_error', 'timeout', 'network_error', 'client_error']);
  });

  it.each<[PushOutcome, boolean, boolean, boolean]>([
    // outcome, after call 1, after call 2, after call 3 (= maxAttempts)
    ['ok', false, false, false],
    ['client_error', false, false, false],
    ['rate_limited', true, true, false],
    ['server_error', true, true, false],
    ['timeout', true, true, false],
    ['network_error', true, true, false],
  ])('%s: retry after call 1 %s, call 2 %s, call 3 %s', (outcome, afterFirst, afterSecond, afterThird) => {
    expect([1, 2, 3].map((attempt) => shouldRetry(outcome, attempt, policy))).toEqual([afterFirst, afterSecond, afterThird]);
  });

  it('never retries past maxAttempts, even a retryable outcome', () => {
    expect(shouldRetry('server_error', 4, policy)).toBe(false);
    expect(shouldRetry('server_error', 100, policy)).toBe(false);
  });

  it('maxAttempts 1 means one call and no retry', () => {
    expect(PUSH_OUTCOMES.map((outcome) => shouldRetry(outcome, 1, { ...policy, maxAttempts: 1 }))).toEqual([false, false, false, false, false, false]);
  });

  it.each([
    ['attempt 0', 0, 3, 'attempt must be an integer >= 1, got 0'],
    ['a fractional attempt', 1.5, 3, 'attempt must be an integer >= 1, got 1.5'],
    ['maxAttempts 0', 1, 0, 'policy.maxAttempts must be an integer >= 1, got 0'],
  ])('refuses %s (a caller bug)', (_case, attempt, maxAttempts, message) => {
    expect(() => shouldRetry('timeout', attempt, { ...policy, maxAttempts })).toThrow(new RangeError(message));
  });

  it('a push that fails, is throttled, times out, then lands: the schedule it follows', () => {
    const fivePushes: RetryPolicy = { maxAttempts: 5, baseMs: 200, maxMs: 5_000 };
    const calls: Array<[PushOutcome, string | null]> = [
      ['server_error', null],
      ['rate_limited', '4'],
      ['timeout', null],
      ['ok', null],
    ];
    const schedule = calls.map(([outcome, retryAfter], index) => {
      const attempt = index + 1;
      if (!shouldRetry(outcome, attempt, fivePushes)) return { outcome, retryInMs: null };
      const retryAfterMs = parseRetryAfter(retryAfter, 0);
      return { outcome, retryInMs: nextDelayMs({ attempt, baseMs: fivePushes.baseMs, maxMs: fivePushes.maxMs, random: 0.75, retryAfterMs }) };
    });
    expect(schedule).toEqual([
      { outcome: 'server_error', retryInMs: 150 }, // 0.75 * 200
      { outcome: 'rate_limited', retryInMs: 4_000 }, // Retry-After 4 s over 0.75 * 400
      { outcome: 'timeout', retryInMs: 600 }, // 0.75 * 800
      { outcome: 'ok', retryInMs: null },
    ]);
  });
});
