// Drives the live page in headless Chromium (Debian's, not a downloaded
// build): looks a battery up, clicks Lock, and waits for "blocked: true"
// to arrive through Kafka; then checks the messages for bad input.
// Usage: node page.mjs BASE_URL OUT_DIR   (screenshots go to OUT_DIR)
import { chromium } from 'playwright-core';

const [base, out] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const fail = async (msg) => { console.error('FAIL: ' + msg); await browser.close(); process.exit(1); };
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(base);
  await page.waitForSelector('#conn:has-text("live")', { timeout: 30000 });
  // The table fills from Kafka; pick a battery that is not blocked.
  await page.waitForFunction(() => document.querySelectorAll('#batteries tr').length >= 50, null, { timeout: 30000 });
  const id = await page.evaluate(() => {
    const row = [...document.querySelectorAll('#batteries tr')].find((tr) => tr.children[4].textContent === 'false');
    return row && row.children[0].textContent;
  });
  if (!id) await fail('no unblocked battery in the table');
  await page.fill('#battery-id', id);
  await page.click('#find button');
  await page.waitForSelector('#b-blocked:has-text("blocked: false")', { timeout: 10000 });
  await page.screenshot({ path: `${out}/lookup.png` });
  await page.click('#lock');
  await page.waitForSelector('#b-blocked:has-text("blocked: true")', { timeout: 30000 });
  await page.screenshot({ path: `${out}/locked.png` });

  await page.fill('#battery-id', '0x0000000000000000000000000000000000000bad');
  await page.click('#find button');
  await page.waitForSelector('#message.error:has-text("no battery")', { timeout: 10000 });
  await page.waitForSelector('#battery', { state: 'hidden', timeout: 5000 }); // no stale details
  await page.fill('#battery-id', 'not-an-address');
  await page.click('#find button');
  await page.waitForSelector('#message.error:has-text("not a battery id")', { timeout: 10000 });
  await page.screenshot({ path: `${out}/bad-input.png` });
  console.log('ok: looked up ' + id + ', locked it, saw blocked: true; bad input shown');
} catch (err) {
  await fail(err.message);
}
await browser.close();
