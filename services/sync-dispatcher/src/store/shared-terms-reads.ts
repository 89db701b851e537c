import type { LocalDate } from '@cm/domain';
import type { PlanNights } from '@cm/rates';

type Read = (propertyId: string, from: LocalDate, to: LocalDate, ratePlans: readonly string[]) => Promise<PlanNights>;

interface HeldRead {
  readonly startedAt: number;
  readonly from: LocalDate;
  readonly to: LocalDate;
  readonly ratePlans: ReadonlySet<string>;
  readonly nights: Promise<PlanNights>;
}

/**
 * One read of a property's PMS terms serves all its listings pushed at the same time (a season
 * reaches four channels at once, and their pushes are claimed together). A read is shared only
 * while it is in flight, so no season's terms are held once their pushes are planned. A push may only use a read that started after it read
 * its marked nights: the PMS committed every change those marks announce before marking them, so
 * such a read holds the terms the marks stand for, or newer ones.
 */
export class SharedTermsReads {
  private clock = 0;
  private readonly held = new Map<string, HeldRead>();

  constructor(private readonly read: Read) {}

  /** A point in this reader's time; reads started after it see every commit made before it. */
  now(): number {
    return ++this.clock;
  }

  async terms(propertyId: string, from: LocalDate, to: LocalDate, ratePlans: readonly string[], notBefore: number): Promise<PlanNights> {
    const held = this.held.get(propertyId);
    if (held && held.startedAt > notBefore && held.from <= from && held.to >= to && ratePlans.every((plan) => held.ratePlans.has(plan))) return held.nights;
    const entry: HeldRead = { startedAt: ++this.clock, from, to, ratePlans: new Set(ratePlans), nights: this.read(propertyId, from, to, ratePlans) };
    this.held.set(propertyId, entry);
    const forget = () => void (this.held.get(propertyId) === entry && this.held.delete(propertyId));
    entry.nights.then(forget, forget);
    return entry.nights;
  }
}
