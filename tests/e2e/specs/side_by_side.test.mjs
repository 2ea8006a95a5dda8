// Side by side: KRaft and ZooKeeper mode on one seed and clock, 10,000 partitions each, the
// controller crashed on both with one click; the readouts time each side's failover, and a
// reload brings the view back where it was.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { serve, browser, open } from '../harness.mjs';

const SHOTS = new URL('../../../docs/screenshots/', import.meta.url).pathname;
let server, b;
before(async () => { server = await serve(); b = await browser(); await mkdir(SHOTS, { recursive: true }); });
after(async () => { await b?.close(); await server?.close(); });

const view = '[data-testid=side-by-side]';
const side = (page, mode) => page.$eval(`.sbs-side[data-mode=${mode}]`, (s) => ({ ...s.dataset, text: s.textContent }));

test('one crash, two modes: ZooKeeper mode waits for the session and the load, KRaft does not', async () => {
  const { page, errors, context } = await open(b, server.url, { width: 1280, height: 720 });
  await page.click('[data-action=side-by-side]');
  await page.waitForSelector(view);
  await page.selectOption('[data-testid=sbs-partitions]', '10000');
  assert.equal(await page.getAttribute(view, 'data-partitions'), '10000');
  // Both sides set up on their own (the topic is created and every controller holds it).
  await page.waitForSelector(`${view}[data-ready=true]`, { timeout: 300000 });
  const k0 = await side(page, 'kraft');
  const z0 = await side(page, 'zookeeper');
  assert.equal(k0.stage, 'ready');
  assert.equal(z0.stage, 'ready');
  assert.equal(k0.offline, '0');
  assert.equal(z0.offline, '0');
  assert.ok(Number(k0.controller) < 100, 'a KRaft controller is a controller node');
  assert.ok(Number(z0.controller) > 100, 'a ZooKeeper-mode controller is a broker');
  await page.selectOption('[data-testid=sbs-speed]', '16');
  await page.click('[data-action=sbs-crash-controller]');
  let k = await side(page, 'kraft');
  let z = await side(page, 'zookeeper');
  assert.equal(k.crashed, k0.controller);
  assert.equal(z.crashed, z0.controller);
  // KRaft's standby takes over within seconds; ZooKeeper mode is still waiting then.
  await page.waitForSelector('.sbs-side[data-mode=kraft][data-failover-ms]:not([data-failover-ms=""])', { timeout: 120000 });
  z = await side(page, 'zookeeper');
  assert.equal(z.failoverMs, '', 'ZooKeeper mode has not recovered when KRaft has');
  await page.waitForSelector('.sbs-side[data-mode=zookeeper][data-failover-ms]:not([data-failover-ms=""])', { timeout: 240000 });
  k = await side(page, 'kraft');
  z = await side(page, 'zookeeper');
  const [kms, zms] = [Number(k.failoverMs), Number(z.failoverMs)];
  assert.ok(kms > 0 && kms < 5000, `KRaft ${kms} ms`);
  assert.ok(zms > kms + 10000, `ZooKeeper mode ${zms} ms against KRaft ${kms} ms`);
  assert.notEqual(z.controller, z0.controller);
  assert.equal(z.controllerReady, 'true');
  assert.match(z.text, /ZooKeeper calls/);
  // The crashed controller broker's partitions (one replica each) have no live leader; KRaft
  // lost no broker.
  assert.equal(k.offline, '0');
  assert.ok(Number(z.offline) > 0);
  await page.screenshot({ path: `${SHOTS}side-by-side-en.png` });
  await page.selectOption('[data-testid=lang]', 'zh');
  assert.match(await page.textContent(view), /并排对比/);
  assert.match((await side(page, 'zookeeper')).text, /次 ZooKeeper 调用/);
  await page.screenshot({ path: `${SHOTS}side-by-side-zh.png` });
  // A reload replays what was done: same partitions, the same failovers measured again.
  await page.waitForTimeout(2500);
  await page.reload();
  await page.waitForSelector(`${view}[data-ready=true]`, { timeout: 300000 });
  assert.equal(await page.getAttribute(view, 'data-partitions'), '10000');
  const k2 = await side(page, 'kraft');
  const z2 = await side(page, 'zookeeper');
  assert.equal(k2.failoverMs, k.failoverMs);
  assert.equal(z2.failoverMs, z.failoverMs);
  assert.equal(z2.crashed, z.crashed);
  await page.click('[data-action=side-by-side]');
  assert.equal(await page.locator(view).count(), 0);
  assert.ok(await page.locator('[data-testid=timeline]').count() > 0, 'the stage is back');
  assert.deepEqual(errors, []);
  await context.close();
});
