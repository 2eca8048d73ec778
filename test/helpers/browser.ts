/**
 * A real browser for the dashboard's tests: Debian's chromium (scripts/setup.sh
 * --test installs it; TSPAAS_TEST_CHROMIUM names another) driven by
 * playwright-core, headless (`--no-sandbox`: the tests run as root).
 * `visit` checks each page it is given: a screenshot under
 * `.tspaas-test/screenshots/` (a test artifact), an axe-core accessibility
 * run that fails on any serious or critical violation, and no
 * Content-Security-Policy refusal in the console (the dashboard's own
 * pages must need none).
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where the screenshots go (ignored by git, kept by CI as an artifact). */
export const SCREENSHOTS = path.join(REPO, '.tspaas-test', 'screenshots');
const CHROMIUM = process.env.TSPAAS_TEST_CHROMIUM ?? '/usr/bin/chromium';
const AXE = path.join(REPO, 'node_modules', 'axe-core', 'axe.min.js');

interface AxeViolation { id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[]; failureSummary?: string }> }

export interface TestBrowser {
  /** A new page in a context of its own (own cookies). `javaScript: false` turns scripts off; `bypassCSP` lifts the page's policy. */
  page(opts?: { javaScript?: boolean; bypassCSP?: boolean }): Promise<Page>;
  /** Check the page as it is now: screenshot `<name>.png`, axe (serious/critical fail), CSP refusals (fail). */
  check(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/** Launch chromium. */
export async function startBrowser(): Promise<TestBrowser> {
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  const axeSource = await readFile(AXE, 'utf8');
  await mkdir(SCREENSHOTS, { recursive: true });
  const contexts: BrowserContext[] = [];
  const refusals = new WeakMap<Page, string[]>();
  const withoutScripts = new WeakSet<Page>();
  return {
    async page(opts = {}) {
      const context = await browser.newContext({ javaScriptEnabled: opts.javaScript ?? true, bypassCSP: opts.bypassCSP ?? false, viewport: { width: 1280, height: 900 } });
      contexts.push(context);
      const page = await context.newPage();
      const seen: string[] = [];
      refusals.set(page, seen);
      if (opts.javaScript === false) withoutScripts.add(page);
      page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) seen.push(m.text()); });
      return page;
    },
    async check(page, name) {
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
      const violations = withoutScripts.has(page) ? await axeOfCopy(browser, page, axeSource) : await axeOf(page, axeSource);
      const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      if (bad.length > 0) {
        throw new Error(`${name}: accessibility violations:\n${bad.map((v) => `- ${v.impact} ${v.id}: ${v.help}\n${v.nodes.map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`).join('\n')}`).join('\n')}`);
      }
      const csp = refusals.get(page) ?? [];
      if (csp.length > 0) throw new Error(`${name}: the page broke its Content-Security-Policy:\n${csp.join('\n')}`);
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined); // clean-up only
      await browser.close();
    },
  };
}

/** axe's violations on the page as it is. DevTools evaluation is not subject to the page's CSP, so axe runs on the page as users get it. */
async function axeOf(page: Page, axeSource: string): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
}

/** A page without JavaScript cannot run axe: the same URL with the same cookies, loaded in a context that can. */
async function axeOfCopy(browser: Browser, page: Page, axeSource: string): Promise<AxeViolation[]> {
  const context = await browser.newContext({ storageState: await page.context().storageState(), viewport: page.viewportSize() });
  try {
    const copy = await context.newPage();
    await copy.goto(page.url());
    return await axeOf(copy, axeSource);
  } finally {
    await context.close();
  }
}
