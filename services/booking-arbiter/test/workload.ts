import { epochDay, type BookingCommand, type Source } from '@cm/schemas';
import { seededRandom } from '@cm/service-runtime';
import { command } from './environment';

const SOURCES: Source[] = ['PMS', 'AIRBNB', 'BOOKING_COM', 'VRBO', 'EXPEDIA'];
const FIRST_NIGHT = epochDay('2027-01-01');

/**
 * Contention: many overlapping bookings over few properties, with cancellations, date changes,
 * blocks, stale versions and exact duplicates mixed in.
 */
export function contentionWorkload(options: { seed: number; properties: number; commands: number; prefix: string }): BookingCommand[] {
  const next = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const made: BookingCommand[] = [];
  const versions = new Map<string, number>();
  const version = (key: string) => {
    const v = (versions.get(key) ?? 0) + 1;
    versions.set(key, v);
    return v;
  };
  for (let i = 0; i < options.commands; i++) {
    const property = `${options.prefix}-p${Math.floor(next() * options.properties)}`;
    const roll = next();
    const checkIn = FIRST_NIGHT + Math.floor(next() * 45);
    const checkOut = checkIn + 1 + Math.floor(next() * 6);
    const earlier = made.length > 0 ? pick(made) : undefined;
    if (roll < 0.55 || !earlier) {
      const source = pick(SOURCES);
      const ref = `r${i}`;
      made.push(command({ property_id: property, source, booking_ref: ref, source_version: version(`${property}/${source}:${ref}`), check_in: checkIn, check_out: checkOut, status: next() < 0.8 ? 'CONFIRMED' : 'PENDING' }));
    } else if (roll < 0.65) {
      made.push(command({ ...samePropertyOf(earlier), source: 'PMS', booking_ref: `blk${i}`, command_type: 'BLOCK_NIGHTS', source_version: 1, check_in: checkIn, check_out: checkOut }));
    } else if (roll < 0.75) {
      made.push({ ...earlier }); // an exact duplicate: a retry or a replay
    } else {
      const owner = earlier.booking_source ?? earlier.source;
      const source = next() < 0.7 ? owner : 'PMS';
      const key = `${earlier.property_id}/${owner}:${earlier.booking_ref}`;
      const stale = next() < 0.1;
      const base = { ...samePropertyOf(earlier), source, booking_source: owner, booking_ref: earlier.booking_ref, source_version: stale ? 0 : version(`${key}/${source}`) };
      made.push(
        next() < 0.5
          ? command({ ...base, command_type: 'CHANGE_STATUS', status: next() < 0.8 ? 'CANCELLED' : 'CONFIRMED' })
          : command({ ...base, command_type: 'MODIFY_DATES', check_in: checkIn, check_out: checkOut }),
      );
    }
  }
  return made;
}

function samePropertyOf(c: BookingCommand) {
  return { property_id: c.property_id };
}
