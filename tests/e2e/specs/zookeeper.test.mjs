// ZooKeeper mode in the page: the ensemble above the brokers, a broker elected controller, and a
// controller crashed by clicking that nobody replaces until ZooKeeper expires its session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { serve, browser, open } from '../harness.mjs';

const SHOTS = new URL('../../../docs/screenshots/', import.meta.url).pathname;
let server, b;
before(async () => { server = await serve(); b = await browser(); await mkdir(SHOTS, { recursive: true }); });
after(async () => { await b?.close(); await server?.close(); });

const advance = (page, ms) => page.evaluate((ms) => window.kraft.advance(ms), ms);
const line = (page) => page.$eval('[data-testid=quorum]', (q) => ({ ...q.dataset, text: q.textContent }));

test('a crashed ZooKeeper-mode controller is replaced only after its session expires', async () => {
  const { page, errors, context } = await open(b, server.url, { width: 1280, height: 720 });
  assert.equal(await page.evaluate(() => window.kraft.newCluster({ zookeeper: true, brokers: 4 })), true);
  await advance(page, 5000);
  let q = await line(page);
  assert.equal(q.mode, 'zookeeper');
  assert.equal(q.controller, '101');
  assert.equal(q.controllerEpoch, '1');
  assert.equal(q.controllerReady, 'true');
  assert.match(q.text, /controller 101 · epoch 1 · loaded/);
  assert.equal(await page.getAttribute('g.node[data-node-id="0"]', 'data-kind'), 'zookeeper');
  // The quorum's presets have nothing to act on here.
  assert.equal(await page.locator('[data-action=isolate-leader], [data-action=split], [data-action=append]').count(), 0);
  assert.equal(await page.getAttribute('g.node[data-node-id="101"]', 'data-controller'), 'true');
  // Crash the controller by clicking it.
  await page.click('g.node[data-node-id="101"]');
  await page.click('[data-testid=node-menu] [data-action=crash]');
  await advance(page, 8000);
  q = await line(page);
  assert.equal(q.controller, '', 'nobody has noticed yet: the session is still alive');
  assert.match(q.text, /no controller/);
  await advance(page, 14000);
  q = await line(page);
  assert.equal(q.controller, '102');
  assert.equal(q.controllerEpoch, '2');
  assert.equal(q.controllerReady, 'true');
  const cap = await page.evaluate(() => window.kraft.capture());
  assert.equal(cap.controller, 102);
  assert.equal(cap.controller_epoch, 2);
  assert.equal(cap.nodes.find((n) => n.id === 0).kind, 'zookeeper');
  assert.equal(cap.nodes.find((n) => n.id === 103).controller_epoch_seen, 2);
  await page.screenshot({ path: `${SHOTS}zookeeper-en.png` });
  await page.selectOption('[data-testid=lang]', 'zh');
  assert.match((await line(page)).text, /ZooKeeper 模式 · 控制器 102 · 任期 2/);
  await page.screenshot({ path: `${SHOTS}zookeeper-zh.png` });
  assert.deepEqual(errors, []);
  await context.close();
});

test('why KRaft: the page measures failover against partitions in both modes and plots it', async () => {
  const { page, errors, context } = await open(b, server.url, { width: 1280, height: 720 });
  await page.click('[data-action=measure-failover]');
  await page.waitForSelector('canvas[data-chart=failover][data-zookeeper-ms]', { timeout: 120000 });
  const nums = (s) => s.split(',').map(Number);
  const get = (k) => page.getAttribute('canvas[data-chart=failover]', k).then(nums);
  const [parts, kraft, zk, load, calls] = await Promise.all(
    ['data-partitions', 'data-kraft-ms', 'data-zookeeper-ms', 'data-zookeeper-load-ms', 'data-zookeeper-calls'].map(get));
  assert.deepEqual(parts, [100, 500, 1000, 2000]);
  for (let i = 0; i < parts.length; i++) {
    assert.ok(Number.isFinite(kraft[i]) && Number.isFinite(zk[i]), `measured at ${parts[i]}`);
    assert.ok(kraft[i] < zk[i], `KRaft ${kraft[i]} ms beats ZooKeeper ${zk[i]} ms at ${parts[i]} partitions`);
    assert.ok(calls[i] >= parts[i], 'the new controller read every partition state');
    if (i > 0) assert.ok(load[i] > load[i - 1], 'the load grows with the partitions');
  }
  const panel = page.locator('[data-testid=why-kraft]');
  await panel.screenshot({ path: `${SHOTS}why-kraft-en.png` });
  await page.selectOption('[data-testid=lang]', 'zh');
  await page.waitForTimeout(200);
  await panel.screenshot({ path: `${SHOTS}why-kraft-zh.png` });
  assert.deepEqual(errors, []);
  await context.close();
});
