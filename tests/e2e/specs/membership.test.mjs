// KIP-853 in the page: a controller that starts as an observer is drawn apart from the voters;
// adding it as a voter from its menu changes the voter set and the majority the HW needs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { serve, browser, open } from '../harness.mjs';

const SHOTS = new URL('../../../docs/screenshots/', import.meta.url).pathname;
let server, b;
before(async () => { server = await serve(); b = await browser(); await mkdir(SHOTS, { recursive: true }); });
after(async () => { await b?.close(); await server?.close(); });

const advance = (page, ms) => page.evaluate((ms) => window.kraft.advance(ms), ms);
const quorum = (page) => page.$eval('[data-testid=quorum]', (q) => ({ voters: q.dataset.voters, majority: Number(q.dataset.majority), text: q.textContent }));

test('adding a voter by clicking moves the HW majority from 2 of 3 to 3 of 4', async () => {
  const { page, errors, context } = await open(b, server.url, { width: 1280, height: 720 });
  const made = await page.evaluate(() => window.kraft.newCluster({ controllers: 5, brokers: 1, dynamic_voters: true, observers: 2 }));
  assert.equal(made, true);
  await advance(page, 8000);
  let q = await quorum(page);
  assert.deepEqual([q.voters, q.majority], ['1,2,3', 2]);
  assert.match(q.text, /2 of 3/);
  const four = 'g.node[data-node-id="4"]';
  assert.equal(await page.getAttribute(four, 'data-role'), 'observer');
  assert.equal(await page.getAttribute(four, 'data-voter'), 'false');
  await page.click(four);
  await page.click('[data-testid=node-menu] [data-action=add-voter]');
  await advance(page, 2000);
  q = await quorum(page);
  assert.deepEqual([q.voters, q.majority], ['1,2,3,4', 3]);
  assert.match(q.text, /3 of 4/);
  assert.equal(await page.getAttribute(four, 'data-voter'), 'true');
  assert.equal(await page.getAttribute(four, 'data-role'), 'follower');
  const cap = await page.evaluate(() => window.kraft.capture());
  assert.deepEqual(cap.voters.map((v) => v.id), [1, 2, 3, 4]);
  assert.equal(cap.voters[3].directory_id, cap.nodes.find((n) => n.id === 4).directory_id);
  // Its menu now offers removal instead.
  await page.click(four);
  assert.ok(await page.isEnabled('[data-testid=node-menu] [data-action=remove-voter]'));
  assert.ok(await page.isDisabled('[data-testid=node-menu] [data-action=add-voter]'));
  await page.click('[data-testid=node-menu] [data-action=close]');
  await page.screenshot({ path: `${SHOTS}membership-en.png` });
  await page.selectOption('[data-testid=lang]', 'zh');
  assert.match((await quorum(page)).text, /4 个中的 3 个/);
  await page.screenshot({ path: `${SHOTS}membership-zh.png` });
  assert.deepEqual(errors, []);
  await context.close();
});

test('a wiped controller comes back on a new disk, outside the voter set', async () => {
  const { page, errors, context } = await open(b, server.url);
  await page.evaluate(() => window.kraft.newCluster({ controllers: 3, brokers: 0, dynamic_voters: true }));
  await advance(page, 6000);
  const before = await page.evaluate(() => window.kraft.capture());
  await page.click('g.node[data-node-id="3"]');
  await page.click('[data-testid=node-menu] [data-action=wipe]');
  await page.click('g.node[data-node-id="3"]');
  await page.click('[data-testid=node-menu] [data-action=restart]');
  await advance(page, 3000);
  const after = await page.evaluate(() => window.kraft.capture());
  const dir = (c) => c.nodes.find((n) => n.id === 3).directory_id;
  assert.notEqual(dir(after), dir(before), 'a new directory id');
  assert.equal(after.voters[2].directory_id, dir(before), 'the set still names the old disk');
  assert.equal(await page.getAttribute('g.node[data-node-id="3"]', 'data-role'), 'observer');
  assert.deepEqual(errors, []);
  await context.close();
});
