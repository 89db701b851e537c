import { waitFor } from '@cm/service-runtime';
import { freePort, uniqueName } from '@cm/test-harness';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { openConsoleBrowser, type ConsoleBrowser } from './console-browser';
import { conflictOf, createBooking } from './records';
import { escalationWorld, type EscalationWorld } from './world';

/**
 * The operator console in a real browser: Debian's Chromium, driven by playwright-core, against
 * the escalation service, the arbiter, Kafka and PostgreSQL of a private world. Each page it
 * passes is saved as a screenshot at a 1366x768 laptop's size (into docs/console/*.png with
 * UPDATE_SCREENSHOTS=1).
 */
const OPERATOR = 'Maria Operator';

let world: EscalationWorld;
let consoleUrl: string;
let browser: ConsoleBrowser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  world = await escalationWorld();
  await world.startArbiter();
  const port = await freePort();
  await world.startEscalation({ CONSOLE_PORT: String(port), CONSOLE_SECURE_COOKIES: 'false', SLA_MINUTE_MS: '60000' });
  consoleUrl = `http://127.0.0.1:${port}`;
  browser = await openConsoleBrowser();
  ({ context, page } = browser);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await world?.close();
});

const shot = (name: string, fullPage = false) => browser.shot(name, fullPage);
const fitsTheScreenWithLabels = () => browser.fitsTheScreenWithLabels();
const seeText = (locator: Locator, text: string) => browser.seeText(locator, text);
const seeExactText = (locator: Locator, text: string) => browser.seeExactText(locator, text);

test('an operator signs in, finds the overbooking in the queue, resolves it after seeing what it will do, and is refused the other tenant', async () => {
  const [tenant, other] = world.tenants;
  const [pmsRef, airbnbRef] = [uniqueName('pms'), uniqueName('air')];
  // A direct booking, then an Airbnb guest confirmed on the same nights: the arbiter raises an OVERBOOKING task.
  await world.sendCommands([createBooking(tenant.propertyId, 'PMS', pmsRef, '2027-06-10', '2027-06-14')]);
  await waitFor('the direct booking in the ledger', () => world.db('stays').where({ property_id: tenant.propertyId, ref: pmsRef, status: 'CONFIRMED' }).first());
  await world.sendCommands([createBooking(tenant.propertyId, 'AIRBNB', airbnbRef, '2027-06-12', '2027-06-16')]);
  const [task] = (await world.waitForTasks(tenant.propertyId, (t) => t.some((x) => x.conflict_type === 'OVERBOOKING'), 'the overbooking task', 60_000)).filter((x) => x.conflict_type === 'OVERBOOKING');
  // The other tenant has a task of its own.
  const foreign = conflictOf({ type: 'GUEST_DISPUTE', channel: 'AIRBNB', key: `AIRBNB:${uniqueName('r')}` as never, reason: 'noise' }, { property_id: other.propertyId });
  await world.sendConflicts([foreign]);
  const [foreignTask] = await world.waitForTasks(other.propertyId, (t) => t.length > 0, "the other tenant's task");

  // Not signed in: the console sends the browser to sign in.
  await page.goto(`${consoleUrl}/queue`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  // A wrong key is refused on the page, and no session cookie is set.
  await page.getByLabel('Tenant API key').fill('not-a-key');
  await page.getByLabel('Your name').fill(OPERATOR);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await seeText(page.getByRole('alert'), 'the API key is unknown or revoked');
  expect((await context.cookies()).map((c) => c.name)).not.toContain('cm_console_session');
  // The second try by keyboard alone: the skip link, then the key (the name is kept from the first try), then Enter.
  await page.keyboard.press('Tab');
  expect(await focused()).toBe('Skip to content');
  await page.keyboard.press('Tab');
  expect(await focused()).toBe('api_key');
  await page.keyboard.type(tenant.apiKey);
  await shot('sign-in');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Review queue' }).waitFor();
  const session = (await context.cookies()).find((c) => c.name === 'cm_console_session');
  expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
  await seeExactText(page.getByTestId('operator'), OPERATOR);

  // The queue, filtered by severity through htmx: the critical overbooking is listed, the other tenant's task is not.
  await page.getByLabel('Severity').selectOption('CRITICAL');
  await page.waitForURL(/severity=CRITICAL/);
  const row = page.locator(`a[href="/tasks/${task!.task_id}"]`);
  await row.waitFor();
  expect(await page.locator(`a[href="/tasks/${foreignTask!.task_id}"]`).count()).toBe(0);
  await fitsTheScreenWithLabels();
  await shot('queue');

  await row.click();
  await page.getByRole('heading', { name: 'Act on it' }).waitFor();
  await seeExactText(page.getByTestId('task-status'), 'open');
  await fitsTheScreenWithLabels();
  await shot('task', true);

  // The confirm step says what keeping the channel guest will do, worked out by the desk's own rules.
  await page.getByRole('button', { name: 'Review keep the channel guest…' }).click();
  await page.getByRole('heading', { name: 'Confirm: keep_channel_guest' }).waitFor();
  await seeText(page.getByTestId('will'), `Tells the ledger to set AIRBNB:${airbnbRef} on ${tenant.propertyId} to CONFIRMED, cancelling PMS:${pmsRef} for the nights 2027-06-12 to 2027-06-16`);
  expect(await world.db('escalation.review_tasks').where({ task_id: task!.task_id }).first('status')).toEqual({ status: 'open' });
  await shot('confirm');

  // A form that names an operator is refused: the operator is the session's; a form without the CSRF token is refused too.
  const csrf = await page.locator('form.confirm input[name="_csrf"]').inputValue();
  const named = await page.request.post(`${consoleUrl}/tasks/${task!.task_id}/resolve`, { form: { _csrf: csrf, action: 'keep_channel_guest', operator: 'mallory' } });
  expect(named.status()).toBe(400);
  expect(await named.text()).toContain('the operator is who is signed in');
  const forged = await page.request.post(`${consoleUrl}/tasks/${task!.task_id}/resolve`, { form: { action: 'keep_channel_guest' } });
  expect(forged.status()).toBe(403);
  expect(await forged.text()).toContain('did not come from this console');

  // A second tab holds a dismissal's confirm step, to be sent after the task is resolved here.
  const stale = await context.newPage();
  await stale.goto(`${consoleUrl}/tasks/${task!.task_id}/confirm?action=dismiss&note=${encodeURIComponent('guest moved on')}`);
  await stale.getByRole('button', { name: 'Confirm dismiss' }).waitFor();

  await page.getByRole('button', { name: 'Confirm keep_channel_guest' }).click();
  await page.getByRole('heading', { name: 'Resolved' }).waitFor();
  await seeText(page.getByTestId('result'), `Resolved as keep_channel_guest by ${OPERATOR}.`);
  await seeText(page.getByTestId('result'), `Sent to the ledger: Tells the ledger to set AIRBNB:${airbnbRef}`);
  await seeExactText(page.getByTestId('task-status'), 'resolved');
  await shot('result');
  // The address is the task's: a reload shows it resolved rather than posting again.
  expect(page.url()).toBe(`${consoleUrl}/tasks/${task!.task_id}`);
  await page.reload();
  await seeExactText(page.getByTestId('task-status'), 'resolved');
  await seeText(page.locator('dl.facts'), `keep_channel_guest by ${OPERATOR}`);

  // The ledger did it, and the task's history names the signed-in operator.
  await waitFor('the direct stay cancelled in the ledger', () => world.db('stays').where({ property_id: tenant.propertyId, ref: pmsRef, status: 'CANCELLED' }).first(), { timeoutMs: 30_000 });
  expect(await world.db('stays').where({ property_id: tenant.propertyId, ref: airbnbRef }).first('status')).toEqual({ status: 'CONFIRMED' });
  expect(await world.db('escalation.task_history').where({ task_id: task!.task_id, action: 'resolved' }).first('actor')).toEqual({ actor: OPERATOR });

  // The stale tab's dismissal is refused by the desk (409), and the page says who resolved it and how.
  await stale.getByRole('button', { name: 'Confirm dismiss' }).click();
  await stale.getByRole('heading', { name: 'Not resolved' }).waitFor();
  expect(await stale.getByRole('alert').textContent()).toContain(`the task was resolved by ${OPERATOR} with keep_channel_guest`);
  await stale.close();
  expect(await world.db('escalation.review_tasks').where({ task_id: task!.task_id }).first('resolution')).toEqual({ resolution: 'keep_channel_guest' });

  // The other tenant's task and property are answered as absent.
  const foreignPage = await page.goto(`${consoleUrl}/tasks/${foreignTask!.task_id}`);
  expect(foreignPage?.status()).toBe(404);
  await seeText(page.getByRole('alert'), `no review task '${foreignTask!.task_id}' for this tenant`);
  await shot('refused');
  const foreignProperty = await page.goto(`${consoleUrl}/queue?property_id=${encodeURIComponent(other.propertyId)}`);
  expect(foreignProperty?.status()).toBe(404);
  await seeText(page.getByRole('alert'), `no property '${other.propertyId}' for this tenant`);

  // Signing out ends the session: the queue asks for a sign-in again.
  await page.goto(`${consoleUrl}/queue`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  expect(await world.db('escalation.console_sessions').where({ tenant_id: tenant.tenantId }).count<{ count: number }[]>('* as count')).toEqual([{ count: 0 }]);
  await page.goto(`${consoleUrl}/queue`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}, 240_000);

/** The focused element: its id, or its text for one without. */
function focused(): Promise<string> {
  // Run in the page (a string: these tests compile without the DOM's types).
  return page.evaluate<string>(`document.activeElement?.id || document.activeElement?.textContent?.trim() || ''`);
}




