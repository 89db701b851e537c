import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@cm/service-runtime';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
/** Without the background-networking flags Chromium keeps calling Google's hosts, which this closed network refuses. */
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A page of Debian's Chromium at a 1366x768 laptop's size, in a profile of its own, and the checks the console's browser tests make on it. */
export interface ConsoleBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Saves the page as docs/console/<name>.png with UPDATE_SCREENSHOTS=1 (the README's screenshots), else into a temporary folder: a test run leaves the tree as it was. */
  shot(name: string, fullPage?: boolean): Promise<void>;
  /** No sideways scrolling at 1366 px, and every visible field has a label a screen reader announces. */
  fitsTheScreenWithLabels(): Promise<void>;
  /** Waits until the element's text holds `text` (jest's expect cannot wait for a page); failing, shows what the page says. */
  seeText(locator: Locator, text: string): Promise<void>;
  seeExactText(locator: Locator, text: string): Promise<void>;
  close(): Promise<void>;
}

export async function openConsoleBrowser(): Promise<ConsoleBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`The console's browser tests need Debian's Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (as root; ./scripts/test does), then run them again.`);
  }
  const screenshots = process.env.UPDATE_SCREENSHOTS === '1' ? join(__dirname, '..', '..', '..', 'docs', 'console') : mkdtempSync(join(tmpdir(), 'cm-console-screenshots-'));
  mkdirSync(screenshots, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'cm-console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, viewport: { width: 1366, height: 768 }, args: ARGS });
  const page = context.pages()[0] ?? (await context.newPage());
  const untilText = async (locator: Locator, text: string, holds: (seen: string) => boolean) => {
    try {
      await waitFor(`'${text}' on the page`, async () => holds((await locator.first().textContent({ timeout: 1_000 }).catch(() => null)) ?? '') || undefined, { timeoutMs: 10_000, intervalMs: 50 });
    } catch (error) {
      throw new Error(`${(error as Error).message}\nthe page (${page.url()}) says:\n${(await page.locator('body').innerText()).slice(0, 2_000)}`);
    }
  };
  return {
    context,
    page,
    shot: async (name, fullPage = false) => void (await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage })),
    async fitsTheScreenWithLabels() {
      // Run in the page (a string: these tests compile without the DOM's types).
      const layout = await page.evaluate<{ scrollWidth: number; unlabelled: string[] }>(`({
        scrollWidth: document.documentElement.scrollWidth,
        unlabelled: [...document.querySelectorAll('input:not([type=hidden]), select')].filter((e) => e.labels.length === 0).map((e) => e.name),
      })`);
      expect(layout).toEqual({ scrollWidth: 1366, unlabelled: [] });
    },
    seeText: (locator, text) => untilText(locator, text, (seen) => seen.includes(text)),
    seeExactText: (locator, text) => untilText(locator, text, (seen) => seen.trim() === text),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
