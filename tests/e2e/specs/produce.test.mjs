// The data plane in the page: produce with acks=1, crash the partition
// leader by clicking, and the page shows the acknowledged records lost; acks=all loses nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { serve, browser, open } from '../harness.mjs';

const SHOTS = new URL('../../../docs/screenshots/', import.meta.url).pathname;
let server, b;
before(async () => { server = await serve(); b = await browser(); await mkdir(SHOTS, { recursive: true }); });
after(async () => { await b?.close(); await server?.close(); });

async function nodeAction(page, id, action) {
  await page.click(`[data-node-id="${id}"]`);
  await page.click(`[data-testid=node-menu] [data-action=${action}]`);
}

for (const [acks, lost] of [['1', 10], ['all', 0]]) {
  test(`acks=${acks}: the partition leader crashes right after the ack; the page shows ${lost} records lost`, async () => {
    const { page, errors, context } = await open(b, server.url, { width: 1400, height: 1000 });
    await page.evaluate(() => window.kraft.newCluster({ controllers: 3, brokers: 3, seed: 3 }));
    await page.evaluate(() => window.kraft.advance(15000));
    await page.click('[data-action=create-topic]');
    await page.evaluate(() => window.kraft.advance(3000));
    const p0 = (await page.evaluate(() => window.kraft.capture())).metadata.topics[0].partitions[0];
    const leader = p0.leader;
    // Its replication links are cut by clicking them (drawn leader to follower on the stage), so
    // only the leader has what comes next.
    for (const f of p0.replicas.filter((r) => r !== leader)) {
      const link = page.locator(`[data-link="${f}-${leader}"], [data-link="${leader}-${f}"]`).first();
      await link.dispatchEvent('click');
      await page.click('[data-testid=link-menu] [data-action=cut]');
    }
    await page.waitForSelector('.link.replication[data-state=cut]', { state: 'attached' });
    await page.selectOption('[data-testid=acks]', acks);
    await page.click('[data-action=produce]');
    await page.evaluate(() => window.kraft.advance(400));
    const status = acks === '1' ? 'acked' : 'pending';
    await page.waitForSelector(`[data-testid=produces] [data-produce="1"][data-status=${status}]`);
    await nodeAction(page, leader, 'crash');
    await page.click('[data-action=heal-all]');
    await page.evaluate(() => window.kraft.advance(60000));
    await page.waitForSelector(`[data-testid=produces] [data-produce="1"][data-status=acked][data-lost="${lost}"]`);
    const produced = (await page.evaluate(() => window.kraft.capture())).produces[0];
    assert.equal(produced.lost.length, lost, JSON.stringify(produced));
    assert.equal(produced.status, 'acked');
    if (lost) {
      // The loss is also told in the event log, with why (broker events only).
      for (const f of ['messages', 'roles', 'log', 'faults']) await page.locator(`[data-testid=events] [data-filter=${f}]`).uncheck();
      const told = await page.locator('[data-testid=events] li').allTextContents();
      assert.ok(told.some((t) => t.includes('produce 1 (acks=1) lost')), told.slice(0, 5).join(' | '));
      await page.locator('[data-testid=metadata]').screenshot({ path: `${SHOTS}produce-lost-en.png` });
      await page.locator('[data-testid=partition-logs]').screenshot({ path: `${SHOTS}replica-logs-en.png` });
      await page.selectOption('[data-testid=lang]', 'zh');
      await page.locator('[data-testid=metadata]').screenshot({ path: `${SHOTS}produce-lost-zh.png` });
      await page.locator('[data-testid=partition-logs]').screenshot({ path: `${SHOTS}replica-logs-zh.png` });
    }
    assert.deepEqual(errors, []);
    await context.close();
  });
}
