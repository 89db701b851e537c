import { ARI_CHANNELS, type Simulator } from './channels';

/** The review API as the tenant's operator calls it. */
export type ReviewApi = (path: string, method?: string, body?: unknown) => Promise<{ status: number; body: unknown }>;

/** Calls an operator's HTTP API (the review API, the PMS API) with the tenant's key. */
export function reviewApi(url: string, apiKey: string): ReviewApi {
  return async (path, method = 'GET', body) => {
    const answer = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: answer.status, body: (await answer.json()) as unknown };
  };
}

interface OverbookingTask {
  readonly task_id: string;
  readonly property_id: string;
  readonly details: Readonly<Record<string, string>>;
}

/** What the operator did: each overbooking task, the action taken (null: none the platforms allow), and the command the review API sent. */
export interface OperatorReport {
  readonly tasks: readonly { taskId: string; losingKey: string; winningKey: string; action: 'cancel_stay' | 'keep_channel_guest' | null; resolved: boolean; commandId: string | null }[];
}

/**
 * The operator resolves every open overbooking task through the review API alone, with an action
 * the platforms can carry out: cancel the losing channel booking (cancel_stay: the system cancels
 * it there as host) when its platform offers host cancellation; otherwise keep the channel's guest
 * (keep_channel_guest: the stay that won is cancelled and the guest reinstated in one decision)
 * when the winner can be cancelled: a direct booking, or a confirmed one on a platform that offers
 * host cancellation. A task neither fits stays open (and the day fails on the guest left
 * double-booked). What each platform offers is read from the platform (its capabilities).
 */
export async function resolveOverbookings(input: { review: ReviewApi; pms: ReviewApi; simulator: Simulator; operator: string }): Promise<OperatorReport> {
  const { review, pms, simulator, operator } = input;
  const hostCancels = new Set<string>();
  for (const channel of ARI_CHANNELS) {
    const { body } = await simulator.call<{ operations: string[] }>('GET', `/admin/${channel.toLowerCase()}/capabilities`);
    if (body.operations.includes('host_cancel')) hostCancels.add(channel);
  }
  const open = (await review('/v1/review-tasks?type=OVERBOOKING&status=open&limit=200')).body as { tasks?: OverbookingTask[] };
  const tasks: OperatorReport['tasks'][number][] = [];
  for (const task of open.tasks ?? []) {
    const losingKey = task.details.losingKey ?? '';
    const winningKey = task.details.winningKey ?? '';
    const [loserChannel = '', loserRef = ''] = splitKey(losingKey);
    const [winnerSource = ''] = splitKey(winningKey);
    let action: 'cancel_stay' | 'keep_channel_guest' | null = null;
    let request: Record<string, string> = {};
    if (hostCancels.has(loserChannel)) {
      action = 'cancel_stay';
      request = { booking_ref: loserRef, booking_source: loserChannel, note: `overbooked: ${losingKey} cancelled on ${loserChannel} as host; ${winningKey} keeps the nights` };
    } else if (winnerSource === 'PMS' || (hostCancels.has(winnerSource) && (await stayStatus(pms, task.property_id, winningKey)) === 'CONFIRMED')) {
      action = 'keep_channel_guest';
      request = { note: `${loserChannel} offers no host cancellation: its guest ${losingKey} is kept and ${winningKey} cancelled` };
    }
    if (!action) {
      tasks.push({ taskId: task.task_id, losingKey, winningKey, action, resolved: false, commandId: null });
      continue;
    }
    const answer = await review(`/v1/review-tasks/${encodeURIComponent(task.task_id)}/resolve`, 'POST', { operator, action, ...request });
    const commandId = (answer.body as { command_id?: string | null }).command_id ?? null;
    tasks.push({ taskId: task.task_id, losingKey, winningKey, action, resolved: answer.status === 200, commandId });
  }
  return { tasks };
}

/** A stay's status as the PMS API shows it to the operator, or null. */
async function stayStatus(pms: ReviewApi, propertyId: string, stayKey: string): Promise<string | null> {
  const [source, ref] = splitKey(stayKey);
  const answer = await pms(`/v1/properties/${encodeURIComponent(propertyId)}/bookings/${encodeURIComponent(ref)}?source=${encodeURIComponent(source)}`);
  return answer.status === 200 ? ((answer.body as { status?: string | null }).status ?? null) : null;
}

function splitKey(key: string): [string, string] {
  const colon = key.indexOf(':');
  return colon < 0 ? [key, ''] : [key.slice(0, colon), key.slice(colon + 1)];
}
