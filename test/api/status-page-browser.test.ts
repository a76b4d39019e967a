import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createFlipActivities } from '../../src/activities/flips';
import { chromiumPath, launchChromium, NO_BROWSER } from '../support/browser';
import { eventually } from '../support/eventually';
import { seedDailyRollups, seedTarget } from '../support/seed';
import { useStack } from '../support/stack';

/**
 * The HTML status page in a real browser (Debian's Chromium, headless), against the real stack: a target on a fake
 * site Vigil probes goes down and recovers, and the page says so. Checked in both colour schemes with axe-core, at a
 * phone's width and a desktop's. The screenshots go to a temporary folder; VIGIL_UPDATE_SCREENSHOTS=1 writes them to
 * docs/ for the README instead.
 */
const executablePath = chromiumPath();
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const SCREENSHOTS = process.env.VIGIL_UPDATE_SCREENSHOTS === '1' ? path.join(__dirname, '../../docs') : fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-page-'));

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

if (!executablePath) {
  describe('the status page in a browser', () => {
    it.skip(`is skipped: ${NO_BROWSER}`, () => undefined);
  });
} else {
  describe('the status page in a browser (Chromium, real stack, a fake site that goes down and recovers)', () => {
    const stack = useStack({ temporal: 'local', worker: true, api: true, site: true });
    let browser: Browser;
    let page: Page;
    const problems: string[] = [];
    let checkout: string;

    beforeAll(async () => {
      browser = await launchChromium(executablePath);
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.on('console', (m) => void (m.type() === 'error' && problems.push(`console: ${m.text()}`)));
      page.on('pageerror', (err) => void problems.push(`page error: ${err.message}`));
      page.on('requestfailed', (r) => void problems.push(`request failed: ${r.url()}`));
      // The page may be cached for 30 s (as a CDN would): each visit here reads it afresh instead (routing requests
      // turns Chromium's HTTP cache off).
      await page.route('**/*', (route) => route.continue());

      const created = await stack.api
        .request()
        .post('/v1/targets')
        .send({ name: 'Checkout', url: `${stack.site.url}/health`, intervalSeconds: 1, downAfter: 2, upAfter: 1 })
        .expect(201);
      checkout = created.body.id;
      // Three more, with 89 days of history, so the page looks as it does after months of use (no workflow behind them).
      const { recordFlip } = createFlipActivities({ pool: stack.db.pool });
      const others: string[] = [];
      for (const [name, badDays] of [
        ['Website', [12, 47]],
        ['Search API', [3, 30, 31, 80]],
        ['Webhooks', []],
      ] as const) {
        const id = await seedTarget(stack.db.pool, { name });
        const history = Array.from({ length: 89 }, (_, i) => ({
          probes: 1440,
          down: (badDays as readonly number[]).includes(i) ? 20 + (i % 7) * 15 : 0,
          degraded: i % 29 === 5 ? 40 : 0,
        }));
        await seedDailyRollups(stack.db.pool, id, history);
        await recordFlip({ targetId: id, flip: { from: 'unknown', to: 'up', at: Date.now() - 89 * 86_400_000, reason: 'first probe' } });
        others.push(id);
      }
      await stack.api
        .request()
        .post('/v1/status-pages')
        .send({
          slug: 'acme',
          title: 'Acme status',
          description: 'Live status of the Acme shop and its APIs.',
          links: [
            { label: 'acme.example', url: 'https://acme.example/' },
            { label: 'Support', url: 'https://acme.example/support' },
          ],
          targets: [{ targetId: others[0]! }, { targetId: checkout }, ...others.slice(1).map((targetId) => ({ targetId }))],
        })
        .expect(201);
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
    });

    const stateOf = async (id: string) => (await stack.api.request().get(`/v1/targets/${id}`).expect(200)).body.status.state;
    const open = async () => {
      const res = await page.goto(`${stack.api.url}/status/acme`);
      expect(res?.status()).toBe(200);
    };
    const overall = () => page.locator('.overall').textContent();
    const checkoutState = () =>
      page
        .locator('.list > li', { has: page.locator('h3', { hasText: /^Checkout$/ }) })
        .locator('.state')
        .textContent();

    async function axeViolations(colorScheme: 'light' | 'dark'): Promise<string[]> {
      await page.emulateMedia({ colorScheme });
      // Evaluated by the browser's devtools protocol, which the page's Content-Security-Policy (no scripts) does not govern.
      await page.evaluate(AXE_SOURCE);
      const { violations, passes } = await page.evaluate(async () => {
        const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[]; passes: { id: string }[] }> } }).axe;
        const results = await axe.run();
        return { violations: results.violations, passes: results.passes.map((p) => p.id) };
      });
      // It did check: contrast among the rules that passed, not only among those that found nothing to look at.
      expect(passes).toEqual(expect.arrayContaining(['color-contrast', 'document-title', 'html-has-lang', 'landmark-one-main']));
      return violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${colorScheme}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    }

    it('shows the target operational, then an outage with an open incident while it is down, then operational with the incident resolved', async () => {
      await eventually(async () => expect(await stateOf(checkout)).toBe('up'), 60_000);
      await open();
      expect(await overall()).toBe('All systems operational');
      expect(await checkoutState()).toBe('Operational');
      expect(await page.locator('#active').count()).toBe(0);

      stack.site.behave({ status: 503 });
      await eventually(async () => {
        await open();
        expect(await checkoutState()).toBe('Outage');
        expect(await page.locator('section[aria-labelledby="active"] h3').allTextContents()).toEqual(['Checkout: investigating']);
      }, 60_000);
      expect(await overall()).toBe('Partial outage');
      // A responder tells the public what is going on, and writes a note for the team alone.
      const { rows } = await stack.db.pool.query("SELECT id FROM incidents WHERE target_id = $1 AND state <> 'resolved'", [checkout]);
      const notes = `/v1/incidents/${rows[0].id}/notes`;
      await stack.api.request().post(notes).send({ text: 'Payments fail at checkout; we are rolling back.', public: true }).expect(200);
      await stack.api.request().post(notes).send({ text: 'db-7 disk full again' }).expect(200);
      await open();
      expect(await page.locator('section[aria-labelledby="active"] li li').allTextContents()).toEqual([
        expect.stringMatching(/^Investigating: Checkout is not responding as expected\. /),
        expect.stringMatching(/^Investigating: Payments fail at checkout; we are rolling back\. /),
      ]);

      stack.site.behave({ status: 200 });
      await eventually(async () => {
        await open();
        expect(await checkoutState()).toBe('Operational');
        expect(await page.locator('section[aria-labelledby="past"] h3').allTextContents()).toEqual(['Checkout']);
      }, 60_000);
      expect(await overall()).toBe('All systems operational');
      expect(await page.locator('#active').count()).toBe(0);
      expect(await page.locator('section[aria-labelledby="past"] strong').allTextContents()).toEqual(['Investigating', 'Investigating', 'Resolved']);
      expect(await page.content()).not.toContain('db-7');
      // Today's bar of the target shows the downtime it just had.
      const today = page
        .locator('.list > li', { has: page.locator('h3', { hasText: /^Checkout$/ }) })
        .locator('.bars span')
        .last();
      expect(await today.getAttribute('title')).toMatch(/^\d{4}-\d\d-\d\d: [\d.]+ % uptime, (<1|\d+) min down, 0 min degraded$/);
      expect(await today.getAttribute('class')).toMatch(/^b [pd]$/);
      expect(problems).toEqual([]);
    }, 240_000);

    it('has no serious or critical accessibility violations (axe-core) in light and dark colour schemes', async () => {
      await open();
      expect([...(await axeViolations('light')), ...(await axeViolations('dark'))]).toEqual([]);
      // The scheme really changes what is drawn.
      await page.emulateMedia({ colorScheme: 'dark' });
      const dark = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      await page.emulateMedia({ colorScheme: 'light' });
      const light = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      expect([light, dark]).toEqual(['rgb(255, 255, 255)', 'rgb(13, 17, 23)']);
      expect(problems).toEqual([]);
    });

    it('fits a phone (375 px: no sideways scrolling, the last 30 days of bars) and a desktop (1280 px: all 90)', async () => {
      const visibleBars = () => page.locator('.bars').first().locator('span:visible').count();
      await page.emulateMedia({ colorScheme: 'light' });
      await page.setViewportSize({ width: 375, height: 812 });
      await open();
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      expect(await visibleBars()).toBe(30);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'status-page-375.png'), fullPage: true });

      await page.setViewportSize({ width: 1280, height: 900 });
      await open();
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
      expect(await visibleBars()).toBe(90);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'status-page-1280.png'), fullPage: true });
      expect(problems).toEqual([]);
    });

    it('reads the same without JavaScript', async () => {
      const context = await browser.newContext({ javaScriptEnabled: false });
      try {
        const noScript = await context.newPage();
        await noScript.goto(`${stack.api.url}/status/acme`);
        expect(await noScript.locator('.overall').textContent()).toBe('All systems operational');
        expect(await noScript.locator('.bars').count()).toBe(4);
      } finally {
        await context.close();
      }
    });
  });
}
