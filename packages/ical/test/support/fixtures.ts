import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type FixtureName = 'airbnb' | 'booking' | 'vrbo' | 'google-timed' | 'recurring' | 'broken';

/** A feed from test/fixtures, as the bytes a channel would serve (line endings untouched). */
export function readFixture(name: FixtureName): string {
  return readFileSync(join(__dirname, '..', 'fixtures', `${name}.ics`), 'utf8');
}
