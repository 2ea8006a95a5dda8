// Foundation: the release build loads, the wasm core runs, and the page renders its nodes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, open, domMatchesCapture } from '../harness.mjs';

let server, b;
before(async () => { server = await serve(); b = await browser(); });
after(async () => { await b?.close(); await server?.close(); });

test('the page renders every node of the core cluster with the test hooks', async () => {
  const { page, errors, context } = await open(b, server.url);
  const capture = await page.evaluate(() => window.kraft.capture());
  assert.ok(capture.nodes.length >= 4, 'a default cluster has controllers and brokers');
  const { dom, want } = await domMatchesCapture(page, capture);
  assert.deepEqual(dom, want);
  for (const kind of ['controller', 'broker']) {
    assert.ok(dom.some((n) => n.kind === kind), `a ${kind} is shown`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('time runs: a leader is elected and shown', async () => {
  const { page, errors, context } = await open(b, server.url);
  await page.evaluate(() => window.kraft.advance(5000));
  await page.waitForSelector('[data-kind=controller][data-role=leader]');
  const capture = await page.evaluate(() => window.kraft.capture());
  const leader = capture.nodes.find((n) => n.role === 'leader');
  assert.equal(await page.getAttribute(`[data-node-id="${leader.id}"]`, 'data-epoch'), String(leader.epoch));
  assert.deepEqual(errors, []);
  await context.close();
});
