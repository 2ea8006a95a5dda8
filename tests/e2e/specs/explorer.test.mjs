// The explorer in the page: it searches in slices (the page stays responsive), its progress bar
// moves, cancel stops it, and the path it finds opens in the timeline, one event per Step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { serve, browser, open } from '../harness.mjs';

const SHOTS = new URL('../../../docs/screenshots/', import.meta.url).pathname;
let server, b;
before(async () => { server = await serve(); b = await browser(); await mkdir(SHOTS, { recursive: true }); });
after(async () => { await b?.close(); await server?.close(); });

const advance = (page, ms) => page.evaluate((ms) => window.kraft.advance(ms), ms);
const progress = (page) => page.$eval('[data-testid=explore-progress]', (p) => Number(p.value));

test('the explorer searches in slices: the progress bar moves, the page answers, cancel stops it', async () => {
  const { page, errors, context } = await open(b, server.url);
  await advance(page, 5000);
  await page.fill('[data-testid=explore-depth]', '30');
  await page.dispatchEvent('[data-testid=explore-depth]', 'change');
  await page.click('[data-testid=explorer] [data-action=explore]');
  await page.waitForSelector('[data-testid=explore-status][data-running=true]');
  const first = await progress(page);
  await page.waitForFunction((v) => Number(document.querySelector('[data-testid=explore-progress]').value) > v, first, { timeout: 30000 });
  // The page answers while it searches: a hook call and a click both go through.
  const t0 = Date.now();
  await page.evaluate(() => window.kraft.capture());
  assert.ok(Date.now() - t0 < 2000, `the page answered in ${Date.now() - t0} ms`);
  const counts = await page.textContent('[data-testid=explore-status] .counts');
  await page.click('[data-action=cancel-explore]');
  await page.waitForSelector('[data-testid=explore-status][data-running=false]');
  const stopped = await progress(page);
  const after = await page.textContent('[data-testid=explore-status] .counts');
  await page.waitForTimeout(500);
  assert.equal(await progress(page), stopped, 'nothing moves after cancel');
  assert.equal(await page.textContent('[data-testid=explore-status] .counts'), after);
  assert.notEqual(counts, '');
  assert.ok(await page.isEnabled('[data-testid=explorer] [data-action=explore]'));
  assert.deepEqual(errors, []);
  await context.close();
});

test('the explorer finds Figure 8 and its path replays in the timeline, one event per Step', async () => {
  const { page, errors, context } = await open(b, server.url);
  await page.selectOption('[data-testid=scenario-picker]', 'explorer-figure-8');
  await page.selectOption('[data-testid=speed]', '50');
  await page.waitForSelector('[data-testid=narration]');
  // Play to the second narration: node 1 has committed its old entry, node 3 is back.
  for (let i = 0; i < 5 && !(await page.$('g[data-node-id="1"][data-hw="1"]')); i++) {
    await page.click('[data-action=narration-next]');
    await page.waitForSelector('g[data-node-id="1"][data-hw="1"]', { timeout: 4000 }).catch(() => {});
  }
  await page.waitForSelector('g[data-node-id="1"][data-hw="1"]');
  assert.equal(await page.$$eval('[data-testid=violations] > *', (v) => v.filter((e) => e.dataset.invariant).length), 0);
  await page.uncheck('[data-testid=explorer] [data-fault=crash]');
  await page.click('[data-testid=explorer] [data-action=explore]');
  await page.waitForFunction(() => /LeaderCompleteness/.test(document.querySelector('[data-testid=explore-status]')?.textContent || ''), null, { timeout: 60000 });
  const path = await page.$$eval('[data-testid=explore-path] li', (l) => l.map((e) => e.textContent));
  assert.equal(path.length, 5, `path: ${path}`);
  await page.locator('[data-testid=explore-path]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}explorer-found.png` });
  // Where the path begins, the links cut before are healed again (the heal came first).
  assert.equal(await page.$$eval('.link.cut, line.cut', (l) => l.length), 0);
  // The cursor is back where the path begins: no violation yet; Step walks it.
  const invariants = () => page.$$eval('[data-testid=violations] [data-invariant]', (v) => v.map((e) => e.dataset.invariant));
  assert.deepEqual(await invariants(), []);
  for (let k = 1; k <= path.length; k++) {
    await page.click('[data-action=step]');
    if (k < path.length) assert.deepEqual(await invariants(), [], `after step ${k}`);
  }
  await page.waitForFunction(() => document.querySelector('[data-testid=violations] [data-invariant=LeaderCompleteness]'));
  // The same panel in Chinese.
  await page.selectOption('[data-testid=lang]', 'zh');
  await page.waitForFunction(() => /找到了/.test(document.querySelector('[data-testid=explore-status]').textContent));
  assert.match(await page.textContent('[data-testid=explore-path]'), /送达 Vote 3 → 2/);
  await page.locator('[data-testid=explore-path]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}explorer-found-zh.png` });
  assert.deepEqual(errors, []);
  await context.close();
});
