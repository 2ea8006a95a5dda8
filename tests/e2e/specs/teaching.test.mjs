// The teaching layer: guided scenarios in two languages, work that survives reloads, share links,
// imports that fail safely, and the invariant panel showing a broken rule.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { serve, browser, open } from '../harness.mjs';

const SHOTS = new URL('../../../docs/screenshots/', import.meta.url).pathname;
let server, b;
before(async () => { server = await serve(); b = await browser(); await mkdir(SHOTS, { recursive: true }); });
after(async () => { await b?.close(); await server?.close(); });

const step = (page) => page.getAttribute('[data-testid=narration-text]', 'data-step').then(Number);
const text = (page) => page.textContent('[data-testid=narration-text]');

async function next(page) {
  const before = await step(page);
  await page.click('[data-action=narration-next]');
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=narration-text]').dataset.step) > n, before, { timeout: 20000 });
}

async function pick(page, name) {
  await page.selectOption('[data-testid=scenario-picker]', name);
  await page.selectOption('[data-testid=speed]', '50');
  await page.waitForSelector('[data-testid=narration]');
}

test('a scenario narrated step by step in English and Chinese, and the same place after a reload', async () => {
  const { page, errors, context } = await open(b, server.url);
  await pick(page, 'leader-crash');
  await next(page);
  assert.equal(await step(page), 1);
  const en = await text(page);
  assert.match(en, /Node 1 leads epoch 1/);
  await page.selectOption('[data-testid=lang]', 'zh');
  await page.waitForFunction(() => /[\u4e00-\u9fff]/.test(document.querySelector('[data-testid=narration-text]').textContent));
  assert.match(await text(page), /节点 1/);
  assert.match(await page.textContent('[data-action=narration-next]'), /下一步/);
  await next(page);
  assert.equal(await step(page), 2);
  await page.screenshot({ path: `${SHOTS}scenario-zh.png`, fullPage: true });
  const place = { step: await step(page), text: await text(page), capture: await page.evaluate(() => window.kraft.capture()) };
  await page.reload();
  await page.waitForSelector('[data-testid=narration]');
  assert.equal(await step(page), place.step);
  assert.equal(await text(page), place.text);
  assert.equal(await page.inputValue('[data-testid=scenario-picker]'), 'leader-crash');
  assert.equal(await page.inputValue('[data-testid=lang]'), 'zh');
  assert.deepEqual(await page.evaluate(() => window.kraft.capture()), place.capture);
  // Back to English, forward to the end, and one step back.
  await page.selectOption('[data-testid=lang]', 'en');
  await page.selectOption('[data-testid=speed]', '50');
  await next(page);
  await page.screenshot({ path: `${SHOTS}scenario-en.png`, fullPage: true });
  const at = await step(page);
  await page.click('[data-action=narration-prev]');
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=narration-text]').dataset.step) === n - 1, at);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a share link opened in a fresh browser reaches the same capture', async () => {
  const { page, errors, context } = await open(b, server.url);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.evaluate(() => window.kraft.advance(6000));
  await page.click('[data-node-id="2"]');
  await page.click('[data-testid=node-menu] [data-action=crash]');
  await page.evaluate(() => window.kraft.advance(4000));
  await page.click('[data-action=step]');
  await page.click('.settings summary');
  await page.click('[data-action=share]');
  await page.waitForFunction(() => location.hash.startsWith('#s='));
  const link = page.url();
  const capture = await page.evaluate(() => window.kraft.capture());
  const other = await open(b, link);
  assert.deepEqual(await other.page.evaluate(() => window.kraft.capture()), capture);
  assert.deepEqual(other.errors, []);
  await other.context.close();
  assert.deepEqual(errors, []);
  await context.close();
});

test('importing a broken file shows an error and keeps the session', async () => {
  const { page, errors, context } = await open(b, server.url);
  await page.evaluate(() => window.kraft.advance(3000));
  const capture = await page.evaluate(() => window.kraft.capture());
  await page.click('.settings summary');
  for (const [name, body] of [['broken.json', '{"version": 1, "recording": '], ['other.json', '{"hello": "world"}'], ['notjson.txt', 'PK\u0003\u0004']]) {
    await page.setInputFiles('[data-action=import]', { name, mimeType: 'application/json', buffer: Buffer.from(body) });
    await page.waitForFunction(() => document.querySelector('[data-testid=notice]')?.textContent.includes('not a KRaft Playground session'));
    assert.deepEqual(await page.evaluate(() => window.kraft.capture()), capture, `${name} left the session alone`);
  }
  // A good export imports back.
  const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('kraft-playground/session')));
  await page.evaluate(() => window.kraft.advance(5000));
  await page.setInputFiles('[data-action=import]', { name: 'good.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(saved)) });
  await page.waitForFunction((t) => window.kraft.capture().time_ms === t, capture.time_ms);
  assert.deepEqual(await page.evaluate(() => window.kraft.capture()), capture);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the unsafe Figure 8 scenario puts a violation in the invariant panel', async () => {
  const { page, errors, context } = await open(b, server.url);
  await pick(page, 'figure-8-unsafe');
  assert.match(await page.textContent('.invariants'), /unsafe_commit_previous_epoch/);
  assert.equal(await page.locator('[data-testid=violations] > *').count(), 0);
  await next(page);
  await next(page);
  await next(page);
  await page.waitForSelector('[data-testid=violations] > [data-invariant=ConsistentCommittedData]');
  assert.ok(await page.locator('[data-testid=violations] > *').count() >= 1);
  await page.screenshot({ path: `${SHOTS}figure-8-unsafe.png`, fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('charts and keyboard shortcuts', async () => {
  const { page, errors, context } = await open(b, server.url);
  await page.evaluate(() => window.kraft.advance(20000));
  await page.click('[data-node-id="1"]');
  await page.click('[data-testid=node-menu] [data-action=crash]');
  await page.evaluate(() => window.kraft.advance(8000));
  await page.click('body', { position: { x: 5, y: 5 } });
  const steps = await page.evaluate(() => window.kraft.stats().steps);
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction((n) => window.kraft.stats().steps === n + 1, steps);
  await page.keyboard.press(' ');
  await page.waitForSelector('[data-action=play][disabled]');
  await page.keyboard.press(' ');
  await page.waitForSelector('[data-action=pause-time][disabled]');
  // The charts drew something (not a blank canvas).
  const inked = await page.$$eval('[data-testid=charts] canvas', (cs) => cs.map((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 200) n++;
    return n;
  }));
  assert.ok(inked.every((n) => n > 500), `charts have ink: ${inked}`);
  await page.locator('[data-testid=charts]').screenshot({ path: `${SHOTS}charts.png` });
  assert.deepEqual(errors, []);
  await context.close();
});
