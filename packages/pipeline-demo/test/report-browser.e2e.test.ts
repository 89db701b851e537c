import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { renderDayReport } from '../src/report-html';
import { day, facts } from './day-fixture';

/**
 * The main job's report opened from its file in Debian's Chromium, as an operator opens it: every
 * chart draws, without an error in the console and without a request leaving the file.
 */
const CHROMIUM = '/usr/bin/chromium';
let dir: string;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];
const requests: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`The report's browser test needs Debian's Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (as root), then run the test again.`);
  dir = mkdtempSync(join(tmpdir(), 'cm-report-chromium-'));
  const file = join(dir, 'demo-report.html');
  writeFileSync(file, renderDayReport(facts, day, ['a printed line']));
  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(String(error)));
  page.on('request', (request) => {
    if (!request.url().startsWith('file:')) requests.push(request.url());
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('#conflicts .uplot canvas');
});
afterAll(async () => {
  await context?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('every chart draws, with no console error and no request leaving the file', async () => {
  expect(problems).toEqual([]);
  expect(requests).toEqual([]);
  const titles = await page.locator('.uplot .u-title').allTextContents();
  expect(titles).toEqual(['Sync lag of the channels we push to, per channel', 'Sync lag of Vrbo by iCal', 'Conflicts by type']);
});

test('the lag chart has a series per channel, axes with ticks, and the outage named over its band', async () => {
  const chart = page.locator('#push-lag');
  expect(await chart.locator('.u-legend .u-label').allTextContents()).toEqual(['second', 'AIRBNB', 'EXPEDIA']);
  expect(await chart.locator('.u-axis').count()).toBe(2);
  expect(await chart.locator('.band-label').textContent()).toBe('EXPEDIA outage (3 s)');
});

test('a second with nothing acknowledged reads as such, not as a zero lag', async () => {
  await page.locator('#push-lag').scrollIntoViewIfNeeded();
  const plot = await page.locator('#push-lag .u-over').boundingBox();
  // Seconds 1 to 6 span the plot; second 4 is in Expedia's outage, where it acknowledged nothing.
  await page.mouse.move(plot!.x + (plot!.width * 3) / 5, plot!.y + plot!.height / 2);
  expect(await page.locator('#push-lag .u-legend .u-value').allTextContents()).toEqual(['4', '30 ms', 'nothing acknowledged']);
});
