import type { ReservationAction } from './generated/records';

const NAMESPACE = 'io.channelmanager.reservation';

/** The Avro record name of each variant, by its tag. */
const VARIANTS = {
  ACKNOWLEDGE: 'AcknowledgeReservation',
  DECLINE_REQUEST: 'DeclineRequest',
  HOST_CANCEL: 'HostCancellation',
  CHANGE_DATES: 'ChangeDates',
  ACCEPT_ALTERATION: 'AcceptAlteration',
  DECLINE_ALTERATION: 'DeclineAlteration',
} as const satisfies Record<ReservationAction['action']['kind'], string>;

/**
 * A union of records travels as Avro's JSON form does, wrapped in an object keyed by the
 * variant's full name (avsc reads and writes it so); in TypeScript it is the discriminated union
 * tagged by `kind`. These two convert at the topic's edge, so nothing else sees the wrapping.
 */
/** A reservation action as Avro reads and writes it: the union wrapped under its variant's full name. */
export type ReservationActionWire = Omit<ReservationAction, 'action'> & { readonly action: Readonly<Record<string, ReservationAction['action']>> };

export function reservationActionToWire(value: ReservationAction): ReservationActionWire {
  return { ...value, action: { [`${NAMESPACE}.${VARIANTS[value.action.kind]}`]: value.action } };
}

export function reservationActionFromWire(wire: unknown): ReservationAction {
  const record = wire as ReservationActionWire;
  const variants = Object.values(record.action);
  if (variants.length !== 1) throw new Error(`a reservation action carries one variant, not ${variants.length}`);
  return { ...record, action: variants[0]! };
}
