// In the page: "keep producing" beside produce keeps a 3-replica partition's ISR full
// for 30 s of virtual time; a broker's power loss (node menu) takes the records its page cache
// had not flushed; a slow follower leaves the ISR while alive and rejoins once fast.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { serve, browser, open } from '../harness.mjs';

const SHOTS = new URL('../../../docs/screenshots/', import.meta.url).pathname;
let server, b;
before(async () => { server = await serve(); b = await browser(); await mkdir(SHOTS, { recursive: true }); });
after(async () => { await b?.close(); await server?.close(); });

const advance = (page, ms) => page.evaluate((ms) => window.kraft.advance(ms), ms);
const capture = (page) => page.evaluate(() => window.kraft.capture());
const metrics0 = (c) => c.metadata.topics.find((t) => t.name === 'metrics').partitions[0];
// metrics is the only topic. A broker just restarted names it by topic id until its metadata
// comes back.
const replicaOf = (c, id) => c.nodes.find((n) => n.id === id)?.replicas?.find((r) => r.partition === 0);

// The library's steady-load scenario played to its end: brokers 101–103 and metrics-0 on all
// three, 101 leading, replica_lag_time_max_ms 5 s. From there the cluster runs freely.
async function metricsCluster(page) {
  await page.selectOption('[data-testid=scenario-picker]', 'steady-load-isr');
  await page.selectOption('[data-testid=speed]', '50');
  await page.waitForSelector('[data-testid=narration]');
  for (let k = 0; k < 12 && !(await page.$('[data-testid=scenario-done]')); k++) {
    const at = Number(await page.getAttribute('[data-testid=narration-text]', 'data-step'));
    await page.click('[data-action=narration-next]');
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=narration-text]').dataset.step) > n
      || document.querySelector('[data-testid=scenario-done]'), at, { timeout: 30000 });
  }
  await page.waitForSelector('[data-testid=scenario-done]');
  await page.click('[data-action=pause-time]').catch(() => {});
  assert.deepEqual(metrics0(await capture(page)).isr, [101, 102, 103]);
}

async function nodeAction(page, id, action) {
  await page.click(`[data-node-id="${id}"]`);
  await page.click(`[data-testid=node-menu] [data-action=${action}]`);
}

async function keepProducing(page, { acks = 'all', every = '100' } = {}) {
  await page.selectOption('[data-testid=produce-topic]', 'metrics');
  await page.selectOption('[data-testid=acks]', acks);
  await page.selectOption('[data-testid=load-every]', every);
  await page.click('[data-action=steady-load]');
  await page.waitForSelector(`[data-testid=steady-load][data-every="${every}"]`);
}

test('keep producing: 30 s of a produce every 100 ms (acks=all) and the ISR of metrics-0 stays full', async () => {
  const { page, errors, context } = await open(b, server.url, { width: 1280, height: 720 });
  await metricsCluster(page);
  await keepProducing(page);
  const said = await page.textContent('[data-testid=steady-load]');
  assert.match(said, /every 100 ms/);
  let { produces: before } = await capture(page);
  let leo = replicaOf(await capture(page), 101).leo;
  const samples = [];
  for (let i = 0; i < 10; i++) {
    await advance(page, 3000);
    const c = await capture(page);
    const p = metrics0(c);
    samples.push(`${c.time_ms}: leader ${p.leader} isr ${p.isr} leo ${replicaOf(c, 101).leo}`);
    assert.deepEqual(p.isr, [101, 102, 103], samples.join('\n'));
    assert.equal(p.leader, 101, samples.join('\n'));
    // Records keep arriving: the leader's log grows and new produces are acknowledged.
    assert.ok(replicaOf(c, 101).leo > leo, samples.join('\n'));
    leo = replicaOf(c, 101).leo;
    const acked = c.produces.filter((x) => x.status === 'acked').length;
    assert.ok(acked > before.filter((x) => x.status === 'acked').length, `${acked} acked at ${c.time_ms}`);
    before = c.produces;
  }
  // About 10 produces a second for 30 s, each acknowledged by all three replicas.
  const loaded = before.filter((x) => x.topic === 'metrics' && x.acks === 'all');
  const counts = {};
  for (const x of loaded) counts[x.status] = (counts[x.status] || 0) + 1;
  assert.ok(loaded.length >= 290, `${loaded.length} produces`);
  // One request in flight per partition and acks: at 100 ms acks=all produces queue up at the
  // client (each waits for both followers' next fetch), yet none fails.
  assert.ok(counts.acked >= 150 && !counts.failed, JSON.stringify(counts));
  assert.equal(await page.locator('[data-testid=violations] .violation').count(), 0);
  for (const lang of ['en', 'zh']) {
    await page.selectOption('[data-testid=lang]', lang);
    await page.screenshot({ path: `${SHOTS}steady-load-${lang}.png` });
  }
  await page.selectOption('[data-testid=lang]', 'en');
  await page.click('[data-action=stop-load]');
  await page.waitForSelector('[data-action=steady-load]');
  const stopped = (await capture(page)).produces.length;
  await advance(page, 2000);
  assert.equal((await capture(page)).produces.length, stopped, 'no produce after stop');
  assert.deepEqual(errors, []);
  await context.close();
});

test('power loss from the node menu: the broker goes down and loses the records its page cache had not flushed', async () => {
  const { page, errors, context } = await open(b, server.url, { width: 1280, height: 720 });
  await metricsCluster(page);
  await keepProducing(page, { acks: '1' });
  await advance(page, 3000);
  const held = replicaOf(await capture(page), 102);
  assert.ok(held.flushed < held.leo, `102 has unflushed records: ${JSON.stringify({ leo: held.leo, flushed: held.flushed })}`);
  await nodeAction(page, 102, 'power-loss');
  await page.waitForSelector('[data-node-id="102"][data-alive=false]');
  let c = await capture(page);
  assert.equal(c.nodes.find((n) => n.id === 102).alive, false);
  // The event log says so, with how many records the page cache took.
  const told = await page.locator('[data-testid=events] li').allTextContents();
  const line = told.find((t) => t.includes('102 loses power'));
  assert.ok(line, told.slice(0, 5).join(' | '));
  const lostRecords = Number(line.match(/(\d+) partition record/)?.[1]);
  assert.ok(lostRecords > 0, line);
  await advance(page, 1000);
  // The stage (102 offline, its replica back at its flushed offset) and, below the fold, the
  // event log's faults saying what the power loss took.
  for (const f of ['roles', 'log', 'brokers']) await page.locator(`[data-testid=events] [data-filter=${f}]`).uncheck();
  for (const lang of ['en', 'zh']) {
    await page.selectOption('[data-testid=lang]', lang);
    await page.screenshot({ path: `${SHOTS}power-loss-${lang}.png` });
    await page.locator('[data-testid=events]').screenshot({ path: `${SHOTS}power-loss-events-${lang}.png` });
  }
  await page.selectOption('[data-testid=lang]', 'en');
  // Back after restart with the log it had on disk: no more than what was flushed.
  // Its menu is still open (the node stays selected).
  await page.click('[data-testid=node-menu] [data-action=restart]');
  await page.waitForSelector('[data-node-id="102"][data-alive=true]');
  c = await capture(page);
  const back = replicaOf(c, 102);
  assert.ok(back, 'the restarted broker has its replica');
  const said = `102 restarted with LEO ${back.leo}; before the power loss LEO ${held.leo}, flushed ${held.flushed}; the event log said ${lostRecords} lost`;
  assert.ok(back.leo <= held.flushed && back.leo < held.leo, said);
  assert.equal(held.leo - back.leo, lostRecords, said);
  await page.click('[data-action=stop-load]');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a slow follower (node menu) leaves the ISR while alive and rejoins once fast', async () => {
  const { page, errors, context } = await open(b, server.url, { width: 1280, height: 720 });
  await metricsCluster(page);
  await keepProducing(page, { acks: '1' });
  await advance(page, 2000);
  await nodeAction(page, 103, 'slow');
  await page.waitForSelector('[data-node-id="103"][data-slow="6000"] [data-testid=slow-badge]');
  const title = await page.textContent('[data-node-id="103"] [data-testid=slow-badge] title');
  assert.match(title, /103 arrives 6 s late/);
  let c;
  for (let i = 0; i < 20; i++) {
    await advance(page, 1000);
    c = await capture(page);
    if (!metrics0(c).isr.includes(103)) break;
  }
  assert.deepEqual(metrics0(c).isr, [101, 102], 'the slow follower left the ISR');
  assert.equal(c.nodes.find((n) => n.id === 103).alive, true, 'alive');
  assert.equal(c.metadata.brokers.find((x) => x.id === 103).fenced, false, 'registered and unfenced');
  await page.click('[data-testid=node-menu] [data-action=fast]');
  await page.waitForSelector('[data-node-id="103"]:not([data-slow])');
  assert.equal(await page.locator('[data-testid=slow-badge]').count(), 0);
  for (let i = 0; i < 30; i++) {
    await advance(page, 1000);
    c = await capture(page);
    if (metrics0(c).isr.includes(103)) break;
  }
  assert.ok(metrics0(c).isr.includes(103), `rejoined: ${metrics0(c).isr}`);
  await page.click('[data-action=stop-load]');
  assert.deepEqual(errors, []);
  await context.close();
});
