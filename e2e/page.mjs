// Drives the live page in headless Chromium (Debian's, not a downloaded
// build): the empty panel says what to do; a click on a row of the battery
// table opens that battery with its recent events; the one state-dependent
// button locks it, "blocked" and a live BatteryLocked event arrive through
// Kafka and the button becomes Unlock (and back); enriched charging
// sessions arrive live; bad input shows clear
// messages; no request of the page fails (favicon included) and the
// console stays clean.
// Usage: node page.mjs BASE_URL OUT_DIR   (screenshots go to OUT_DIR)
import { chromium } from 'playwright-core';

const [base, out] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const fail = async (msg) => { console.error('FAIL: ' + msg); await browser.close(); process.exit(1); };
const t = { timeout: 30000 };

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = []; // failed requests and console errors, until bad input is tried on purpose
  let expectErrors = false;
  page.on('console', (m) => { if (m.type() === 'error' && !expectErrors) problems.push('console: ' + m.text()); });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('response', (r) => { if (r.status() >= 400 && !expectErrors) problems.push(`${r.status()} ${r.url()}`); });
  page.on('requestfailed', (r) => { if (!r.url().endsWith('/api/stream')) problems.push(`failed ${r.url()}`); });

  await page.goto(base);
  await page.waitForSelector('#conn:has-text("live")', t);
  await page.waitForSelector('#empty:has-text("Click a battery")', t); // before any battery is chosen
  await page.waitForSelector('#src-events:has-text(".events")', t); // the table names its topic
  await page.waitForFunction(() => document.querySelectorAll('#batteries tr').length >= 50, null, t);
  await page.screenshot({ path: `${out}/start.png` });
  // The demo's enrichment: charging sessions (off-chain) arrive joined
  // with their station and their battery's on-chain state.
  await page.waitForFunction(() => [...document.querySelectorAll('#sessions tr')].some((tr) =>
    tr.children[1].textContent.includes(' · ') && /^0x/.test(tr.children[0].textContent)), null, t);
  await page.screenshot({ path: `${out}/sessions.png` });

  // The fleet locks and unlocks batteries too: a lock counts only if the
  // request the button sent was a lock, else try another battery.
  let id = null;
  for (let attempt = 1; attempt <= 3 && !id; attempt++) {
    const candidate = await page.evaluate(() => {
      const row = [...document.querySelectorAll('#batteries tr')].find((tr) => tr.children[4].textContent === 'no');
      return row && row.dataset.id;
    });
    if (!candidate) await fail('no unblocked battery in the table');
    await page.click(`#batteries tr[data-id="${candidate}"]`);
    await page.waitForSelector(`#b-id:text-is("${candidate}")`, t);
    await page.waitForSelector(`#batteries tr.selected[data-id="${candidate}"]`, t);
    await page.waitForSelector('#events li', t); // its history: at least its registration
    const before = await page.$$eval('#events li', (lis) => lis.map((li) => li.dataset.key));
    await page.waitForSelector('#b-blocked[data-blocked="false"]', t);
    await page.waitForSelector('#toggle[data-action="lock"]:text-is("Lock"):enabled', t);
    if (attempt === 1) await page.screenshot({ path: `${out}/open.png` });
    const [sent] = await Promise.all([
      page.waitForResponse((r) => /\/api\/batteries\/0x[0-9a-f]{40}\/(lock|unlock)$/.test(r.url()), t),
      page.click('#toggle'),
    ]);
    if (!sent.url().endsWith('/lock') || sent.status() !== 202) {
      console.log(`attempt ${attempt}: the button sent ${sent.url()} (${sent.status()}); the fleet changed the battery first`);
      continue;
    }
    // blocked, Unlock offered, and the lock listed as a new live event.
    await page.waitForFunction((known) => {
      const q = (s) => document.querySelector(s);
      const fresh = [...document.querySelectorAll('#events li[data-kind="locked"]')].some((li) => !known.includes(li.dataset.key));
      return q('#b-blocked').dataset.blocked === 'true' && q('#toggle').dataset.action === 'unlock' &&
        q('#toggle').textContent === 'Unlock' && !q('#toggle').disabled && fresh;
    }, before, t);
    id = candidate;
  }
  if (!id) await fail('three locks in a row raced the fleet');
  await page.waitForSelector(`#batteries tr[data-id="${id}"] td.blocked:text-is("yes")`, t); // the table row too
  await page.screenshot({ path: `${out}/locked.png` });

  // Unlock, unless the fleet already did.
  if (await page.$eval('#toggle', (b) => b.dataset.action === 'unlock')) {
    const [sent] = await Promise.all([
      page.waitForResponse((r) => /\/(lock|unlock)$/.test(r.url()), t),
      page.click('#toggle'),
    ]);
    if (sent.url().endsWith('/unlock')) {
      await page.waitForSelector('#b-blocked[data-blocked="false"]', t);
      await page.waitForSelector('#toggle[data-action="lock"]:text-is("Lock"):enabled', t);
      await page.waitForSelector('#events li[data-kind="unlocked"]', t);
    }
  }

  // Refused charges reach the events of some battery (the fleet charges
  // blocked ones; the registry reverts those calls).
  const refused = async () => page.evaluate(async () => {
    for (const b of await (await fetch('/api/batteries')).json()) {
      const evs = await (await fetch(`/api/batteries/${b.id}/events`)).json();
      if (evs.some((e) => e.kind === 'charge_refused')) return true;
    }
    return false;
  });
  for (const deadline = Date.now() + 60000; !(await refused());) {
    if (Date.now() > deadline) await fail('no refused charge in any battery\'s events after a minute');
    await new Promise((ok) => setTimeout(ok, 1000));
  }

  if (problems.length) await fail('the page had errors:\n  ' + problems.join('\n  '));
  const icon = await page.request.get(base + '/favicon.ico');
  if (icon.status() !== 200) await fail('/favicon.ico: ' + icon.status());

  expectErrors = true; // the 404 and 400 below are the point
  await page.fill('#battery-id', '0x0000000000000000000000000000000000000bad');
  await page.click('#find button');
  await page.waitForSelector('#message.error:has-text("no battery")', t);
  await page.waitForSelector('#details', { state: 'hidden', timeout: 5000 }); // no stale details
  await page.waitForSelector('#empty', { state: 'visible', timeout: 5000 });
  await page.fill('#battery-id', 'not-an-address');
  await page.click('#find button');
  await page.waitForSelector('#message.error:has-text("not a battery id")', t);
  await page.screenshot({ path: `${out}/bad-input.png` });
  console.log(`ok: opened ${id} from its row with its events, locked it (blocked, a live BatteryLocked, Unlock offered), ` +
    'saw refused charges, no failed request or console error; bad input shown');
} catch (err) {
  await fail(err.message);
}
await browser.close();
