// The playground as a learner uses it: faults by click, stepping, scrubbing, every control.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { serve, browser, open, domMatchesCapture } from '../harness.mjs';

const SHOTS = new URL('../../../docs/screenshots/', import.meta.url).pathname;
let server, b;
before(async () => { server = await serve(); b = await browser(); await mkdir(SHOTS, { recursive: true }); });
after(async () => { await b?.close(); await server?.close(); });

const advance = (page, ms) => page.evaluate((ms) => window.kraft.advance(ms), ms);
const attr = (page, sel, name) => page.getAttribute(sel, name);

async function leaderOf(page) {
  const el = await page.waitForSelector('[data-kind=controller][data-role=leader]');
  return { id: await el.getAttribute('data-node-id'), epoch: Number(await el.getAttribute('data-epoch')) };
}

test('crashing the leader by clicking brings a new leader with a higher epoch', async () => {
  const { page, errors, context } = await open(b, server.url);
  await advance(page, 5000);
  const old = await leaderOf(page);
  await page.click(`[data-node-id="${old.id}"]`);
  await page.click('[data-testid=node-menu] [data-action=crash]');
  await page.waitForSelector(`[data-node-id="${old.id}"][data-alive=false]`);
  await page.screenshot({ path: `${SHOTS}leader-crashed.png` });
  await advance(page, 10000);
  await page.waitForFunction((old) => [...document.querySelectorAll('[data-kind=controller][data-role=leader]')]
    .some((e) => e.dataset.nodeId !== old.id && Number(e.dataset.epoch) > old.epoch), old);
  await page.screenshot({ path: `${SHOTS}new-leader.png`, fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('cutting a link by clicking drops its messages', async () => {
  const { page, errors, context } = await open(b, server.url);
  await advance(page, 4000);
  const { id } = await leaderOf(page);
  const other = id === '1' ? '2' : '1';
  const key = [Number(id), Number(other)].sort((x, y) => x - y).join('-');
  await page.locator(`[data-link="${key}"]`).dispatchEvent('click');
  await page.click('[data-testid=link-menu] [data-action=cut]');
  await page.waitForSelector(`[data-link="${key}"][data-state=cut]`);
  await advance(page, 1500);
  // The event log, showing faults only, tells of the leader's messages dropped on the cut link.
  for (const f of ['roles', 'log', 'brokers']) await page.locator(`[data-testid=events] [data-filter=${f}]`).uncheck();
  const dropped = await page.locator('[data-testid=events] li[data-kind=drop]').allTextContents();
  const pair = new RegExp(`from ${id} to ${other}|from ${other} to ${id}`);
  assert.ok(dropped.some((t) => pair.test(t) && t.includes('cut')), `dropped on the cut link: ${dropped.slice(0, 3)}`);
  await page.screenshot({ path: `${SHOTS}link-cut.png` });
  await page.locator(`[data-link="${key}"]`).dispatchEvent('click');
  await page.click('[data-testid=link-menu] [data-action=heal]');
  await page.waitForSelector(`[data-link="${key}"][data-state=up]`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('one step delivers exactly one event', async () => {
  const { page, errors, context } = await open(b, server.url);
  await advance(page, 2500);
  for (let i = 0; i < 5; i++) {
    const before = await page.evaluate(() => window.kraft.stats());
    await page.click('[data-action=step]');
    await page.waitForFunction((n) => window.kraft.stats().steps !== n, before.steps);
    const after = await page.evaluate(() => window.kraft.stats());
    assert.equal(after.steps, before.steps + 1);
  }
  // And one step back undoes exactly one.
  const at = await page.evaluate(() => window.kraft.stats().steps);
  await page.keyboard.press('ArrowLeft');
  await page.waitForFunction((n) => window.kraft.stats().steps === n - 1, at);
  assert.deepEqual(errors, []);
  await context.close();
});

test('scrubbing the timeline shows exactly what a fresh run shows at that time', async () => {
  const { page, errors, context } = await open(b, server.url);
  await advance(page, 6000);
  const { id } = await leaderOf(page);
  await page.click(`[data-node-id="${id}"]`);
  await page.click('[data-testid=node-menu] [data-action=crash]');
  await advance(page, 9000);
  await page.click(`[data-node-id="${id}"]`);
  await page.click('[data-testid=node-menu] [data-action=restart]');
  await advance(page, 5000);
  for (const t of [3000, 12000, 1000, 19500, 7321, 20000, 15000]) {
    await page.locator('[data-testid=timeline]').fill(String(t));
    await page.waitForFunction((t) => document.querySelector('[data-testid=time]').textContent.startsWith((t / 1000).toFixed(3)), t);
    const fresh = await page.evaluate((t) => window.kraft.freshCapture(t), t);
    const now = await page.evaluate(() => window.kraft.capture());
    assert.deepEqual(now, fresh, `capture at ${t}`);
    const { dom, want } = await domMatchesCapture(page, fresh);
    assert.deepEqual(dom, want, `page at ${t}`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('every control can be clicked without a panic', async () => {
  const { page, errors, context } = await open(b, server.url);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  page.on('download', (d) => d.cancel());
  await advance(page, 5000);
  const clicked = new Set();
  const clickAll = async (scope) => {
    for (const el of await page.$$(`${scope} button[data-action]`)) {
      const action = await el.getAttribute('data-action');
      if (await el.isDisabled() || !(await el.isVisible())) continue;
      await el.click();
      clicked.add(action);
      await page.evaluate(() => window.kraft.advance(300));
    }
  };
  await clickAll('.time-controls');
  await page.click('[data-action=pause-time]').catch(() => {});
  await clickAll('.presets');
  for (const id of ['1', '2', '101']) {
    await page.click(`[data-node-id="${id}"]`);
    await clickAll('[data-testid=node-menu]');
  }
  await page.locator('[data-link="2-3"]').dispatchEvent('click');
  await clickAll('[data-testid=link-menu]');
  await page.click('.settings summary');
  await clickAll('.settings');
  for (const need of ['play', 'pause-time', 'step', 'step-back', 'heal-all', 'crash', 'restart', 'pause', 'elect', 'resign', 'cut', 'heal', 'new-cluster', 'export', 'share']) {
    if (need === 'resign' || need === 'heal') continue; // only enabled in some states; covered by other tests
    assert.ok(clicked.has(need), `${need} was clicked (clicked: ${[...clicked]})`);
  }
  assert.equal(await page.locator('[data-testid=panic]').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('screenshots of the main views', async () => {
  const { page, context } = await open(b, server.url);
  await page.evaluate(() => window.kraft.newCluster({ controllers: 5, brokers: 4, seed: 3 }));
  await advance(page, 30000);
  await page.click('[data-action=create-topic]');
  await advance(page, 2000);
  await page.click('[data-node-id="3"]');
  await page.click('[data-testid=node-menu] [data-action=crash]');
  await advance(page, 800);
  await page.click('[data-action=play]');
  await page.waitForTimeout(700);
  await page.click('[data-action=pause-time]');
  await page.screenshot({ path: `${SHOTS}playground.png`, fullPage: true });
  await page.locator('.stage').screenshot({ path: `${SHOTS}cluster.png` });
  await page.locator('[data-testid=logs]').screenshot({ path: `${SHOTS}logs.png` });
  await page.locator('[data-testid=metadata]').screenshot({ path: `${SHOTS}metadata.png` });
  await context.close();
});

test('dropping a Vote in flight by clicking it: the voter never hears it', async () => {
  const { page, errors, context } = await open(b, server.url);
  await advance(page, 5000);
  const old = await leaderOf(page);
  await page.click(`[data-node-id="${old.id}"]`);
  await page.click('[data-testid=node-menu] [data-action=crash]');
  // Step until a candidate's (pre-)vote request is on the wire.
  let vote = null;
  for (let i = 0; i < 400 && !vote; i++) {
    await advance(page, 10);
    vote = await page.$('.msg[data-rpc=Vote], .msg[data-rpc=PreVote]');
  }
  assert.ok(vote, 'a vote request went out');
  const id = await vote.getAttribute('data-msg-id');
  await page.locator(`.msg[data-msg-id="${id}"]`).first().dispatchEvent('click');
  await page.waitForSelector('[data-testid=message-menu]');
  await page.screenshot({ path: `${SHOTS}message-menu.png` });
  await page.click('[data-testid=message-menu] [data-action=drop-message]');
  await page.waitForFunction((id) => !document.querySelector(`.msg[data-msg-id="${id}"]`), id);
  // The event log says it was dropped by hand; stepping on, it never arrives.
  for (const f of ['roles', 'log', 'brokers']) await page.locator(`[data-testid=events] [data-filter=${f}]`).uncheck();
  const drops = await page.locator('[data-testid=events] li[data-kind=drop]').allTextContents();
  assert.ok(drops.some((t) => t.includes('by hand')), `dropped by hand: ${drops.slice(0, 3)}`);
  await advance(page, 1000);
  assert.equal(await page.$(`.msg[data-msg-id="${id}"]`), null);
  assert.deepEqual(errors, []);
  await context.close();
});
