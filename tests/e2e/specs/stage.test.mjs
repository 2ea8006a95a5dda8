// The stage tells the story: at 1280×720 and 1440×900 the controls stay on screen,
// what a narration talks about is visible where the learner looks, and no two labels on the
// stage overlap. Also the legend, narration that follows the timeline, experiments, a "next
// election" that finds nothing, and a share link that cannot be read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { serve, browser, open } from '../harness.mjs';

const SHOTS = new URL('../../../docs/screenshots/', import.meta.url).pathname;
const VIEWPORTS = [{ width: 1280, height: 720 }, { width: 1440, height: 900 }];
let server, b;
before(async () => { server = await serve(); b = await browser(); await mkdir(SHOTS, { recursive: true }); });
after(async () => { await b?.close(); await server?.close(); });

const step = (page) => page.getAttribute('[data-testid=narration-text]', 'data-step').then(Number);

async function pick(page, name, speed = '50') {
  await page.selectOption('[data-testid=scenario-picker]', name);
  await page.selectOption('[data-testid=speed]', speed);
  await page.waitForSelector('[data-testid=narration]');
}

// Next, and wait for the next narration (or the end).
async function next(page) {
  const before = await step(page);
  await page.click('[data-action=narration-next]');
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=narration-text]').dataset.step) > n
    || document.querySelector('[data-testid=scenario-done]'), before, { timeout: 30000 });
}

// The whole box of the element is inside the viewport.
async function inViewport(page, selector) {
  const box = await page.locator(selector).first().boundingBox();
  const vp = page.viewportSize();
  return box !== null && box.x >= 0 && box.y >= 0 && box.x + box.width <= vp.width + 0.5 && box.y + box.height <= vp.height + 0.5;
}

// Pairs of text labels on the stage whose boxes overlap (by more than half a pixel).
async function overlaps(page) {
  return page.$$eval('svg.cluster text', (els) => {
    const boxes = els.map((e) => ({ text: e.textContent, r: e.getBoundingClientRect() })).filter((b) => b.r.width > 0 && b.text.trim() !== '');
    const bad = [];
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const [a, c] = [boxes[i].r, boxes[j].r];
      const w = Math.min(a.right, c.right) - Math.max(a.left, c.left);
      const h = Math.min(a.bottom, c.bottom) - Math.max(a.top, c.top);
      if (w > 0.5 && h > 0.5) bad.push(`${boxes[i].text} × ${boxes[j].text}`);
    }
    return bad;
  });
}

const CONTROLS = ['[data-action=play]', '[data-action=pause-time]', '[data-action=step]', '[data-testid=timeline]', '[data-testid=speed]'];

for (const vp of VIEWPORTS) {
  const size = `${vp.width}x${vp.height}`;

  test(`${size}: play and timeline controls stay in the viewport, even with a notice`, async () => {
    const { page, errors, context } = await open(b, server.url, vp);
    for (const c of CONTROLS) assert.ok(await inViewport(page, c), `${c} in the viewport`);
    await pick(page, 'leader-crash');
    await page.evaluate(() => window.kraft.advance(30000));
    // A notice (here: no election pending) must not push them away.
    await page.click('[data-action=next-election]');
    await page.waitForSelector('[data-testid=notice]');
    for (const c of CONTROLS) assert.ok(await inViewport(page, c), `${c} in the viewport with a notice`);
    assert.ok(await inViewport(page, '[data-testid=narration]'), 'the narration is on screen');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test(`${size}: in "The high watermark" the HW on the stage changes between steps`, async () => {
    const { page, errors, context } = await open(b, server.url, vp);
    await pick(page, 'high-watermark');
    const shown = () => page.$$eval('[data-kind=controller]', (els) => els.map((e) => `${e.dataset.nodeId}:${e.querySelector('.badge')?.textContent}`).join(' '));
    const seen = [];
    while (!(await page.$('[data-testid=scenario-done]'))) {
      await next(page);
      if (await page.$('[data-testid=scenario-done]')) break;
      seen.push(await shown());
      for (const id of [1, 2, 3]) assert.ok(await inViewport(page, `[data-node-id="${id}"] .badge`), `node ${id}'s LEO/HW badge on screen`);
    }
    assert.ok(seen.length >= 4, `${seen.length} narrations`);
    for (let i = 1; i < seen.length; i++) assert.notEqual(seen[i], seen[i - 1], `step ${i + 1} shows a change: ${seen[i]}`);
    assert.match(seen.join(' '), /HW 6/);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test(`${size}: in Figure 8 unsafe the violations panel is on screen when the violation is reported`, async () => {
    const { page, errors, context } = await open(b, server.url, vp);
    await pick(page, 'figure-8-unsafe');
    while (await page.locator('[data-testid=violations] > *').count() === 0) {
      assert.ok(!(await page.$('[data-testid=scenario-done]')), 'a violation before the end');
      await next(page);
    }
    assert.ok(await inViewport(page, '[data-testid=violations] > [data-invariant]'), 'the first violation is in the viewport');
    assert.match(await page.textContent('[data-testid=narration-text]'), /violation|违规/);
    await page.screenshot({ path: `${SHOTS}stage-figure-8-unsafe-${size}.png` });
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('no two text labels on the stage overlap, in every library scenario, at every narration, in both languages', async () => {
  const { page, errors, context } = await open(b, server.url, VIEWPORTS[0]);
  const names = await page.$$eval('[data-testid=scenario-picker] option', (os) => os.map((o) => o.value).filter(Boolean));
  assert.ok(names.length >= 16);
  const bad = [];
  for (const [i, name] of names.entries()) {
    await page.selectOption('[data-testid=lang]', i % 2 ? 'zh' : 'en');
    await pick(page, name);
    for (let k = 0; k < 12 && !(await page.$('[data-testid=scenario-done]')); k++) {
      await next(page);
      const at = await step(page);
      bad.push(...(await overlaps(page)).map((o) => `${name} @${at}: ${o}`));
    }
  }
  assert.deepEqual(bad, []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('no labels overlap while messages fly (free play, 5 controllers, 3 brokers, both viewports)', async () => {
  for (const vp of VIEWPORTS) {
    const { page, errors, context } = await open(b, server.url, vp);
    await page.evaluate(() => window.kraft.advance(3000));
    await page.click('[data-action=create-topic]');
    await page.selectOption('[data-testid=speed]', '0.25');
    await page.click('[data-action=play]');
    const bad = [];
    let labelled = 0;
    for (let i = 0; i < 25; i++) {
      await page.waitForTimeout(120);
      bad.push(...(await overlaps(page)));
      labelled += await page.locator('svg.cluster .msg text').count();
    }
    assert.ok(labelled > 10, `message labels were on the stage (${labelled})`);
    assert.deepEqual(bad, []);
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test('votes on the stage: during a split vote each refusal is drawn, with its reason on hover', async () => {
  const { page, errors, context } = await open(b, server.url, VIEWPORTS[0]);
  await pick(page, 'split-vote');
  await next(page);
  await next(page);
  const votes = await page.$$eval('.vote', (vs) => vs.map((v) => ({ voter: v.dataset.voter, candidate: v.dataset.candidate, granted: v.dataset.granted, why: v.querySelector('title').textContent })));
  assert.equal(votes.length, 6, JSON.stringify(votes));
  assert.ok(votes.every((v) => v.granted === 'false' && /already voted/i.test(v.why)), JSON.stringify(votes));
  assert.deepEqual(errors, []);
  await context.close();
});

test('log repair on the stage: the log strip shows the logs diverge, then match', async () => {
  const { page, errors, context } = await open(b, server.url, VIEWPORTS[0]);
  await pick(page, 'log-repair');
  await next(page);
  const leos = () => page.$$eval('[data-strip-node]', (rows) => rows.map((r) => Number(r.dataset.leo)));
  const before = await leos();
  assert.deepEqual(before, [10, 9, 4, 11, 12, 7, 11], 'Figure 7 as drawn in the paper');
  assert.ok(await inViewport(page, '[data-testid=log-strip]'));
  while (await step(page) < 3) await next(page);
  assert.deepEqual(await leos(), [11, 11, 11, 11, 11, 11, 11], 'every log repaired to the leader\'s');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the legend explains every mark, in both languages, and ? opens it', async () => {
  const { page, errors, context } = await open(b, server.url, VIEWPORTS[0]);
  await page.click('body', { position: { x: 5, y: 5 } });
  await page.keyboard.press('?');
  await page.waitForSelector('[data-testid=legend] li');
  const en = await page.$$eval('[data-testid=legend] li', (ls) => ls.map((l) => l.textContent));
  assert.ok(en.length >= 25, `${en.length} legend lines`);
  for (const mark of ['Prospective', 'ring', 'Dotted line', '✂', 'granted', 'LEO', 'control record', 'Striped', '⇣ 60 1']) {
    assert.ok(en.some((l) => l.includes(mark)), `the legend explains ${mark}`);
  }
  await page.selectOption('[data-testid=lang]', 'zh');
  const zh = await page.$$eval('[data-testid=legend] li', (ls) => ls.map((l) => l.textContent));
  assert.equal(zh.length, en.length);
  assert.ok(zh.every((l) => /[\u4e00-\u9fff]/.test(l)), 'every line in Chinese');
  await page.locator('.side').screenshot({ path: `${SHOTS}legend-zh.png` });
  assert.deepEqual(errors, []);
  await context.close();
});

test('scrubbing inside a scenario keeps its narration, which follows the timeline', async () => {
  const { page, errors, context } = await open(b, server.url, VIEWPORTS[0]);
  await pick(page, 'leader-crash');
  await next(page);
  const first = await page.textContent('[data-testid=narration-text]');
  await next(page);
  await next(page);
  assert.equal(await step(page), 3);
  const third = await page.textContent('[data-testid=narration-text]');
  const now = await page.evaluate(() => window.kraft.capture().time_ms);
  // Back to just after the first narration: its text again, and the scenario is still there.
  await page.evaluate(() => window.kraft.seek(200));
  await page.waitForFunction(() => document.querySelector('[data-testid=reviewing]'));
  assert.equal(await step(page), 1);
  assert.equal(await page.textContent('[data-testid=narration-text]'), first);
  assert.equal(await page.inputValue('[data-testid=scenario-picker]'), 'leader-crash');
  // Play: the history replays and stops at the next narration, as the run did.
  await page.click('[data-action=narration-next]');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=narration-text]').dataset.step) === 2);
  await page.click('[data-action=narration-next]');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=narration-text]').dataset.step) === 3);
  assert.equal(await page.textContent('[data-testid=narration-text]'), third);
  assert.equal(await page.evaluate(() => window.kraft.capture().time_ms), now);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a scenario shows what it waits for, ends paused, and can be re-run with one change', async () => {
  const { page, errors, context } = await open(b, server.url, VIEWPORTS[0]);
  await pick(page, 'pre-vote', '0.1');
  await page.click('[data-action=narration-next]');
  await page.waitForSelector('[data-testid=waiting]');
  assert.match(await page.textContent('[data-testid=waiting]'), /node 1 to lead/);
  await page.selectOption('[data-testid=speed]', '50');
  while (!(await page.$('[data-testid=scenario-done]'))) await next(page);
  assert.ok(await page.isDisabled('[data-action=play]') === false, 'paused at the end');
  const end = await page.evaluate(() => window.kraft.capture().time_ms);
  await page.waitForTimeout(400);
  assert.equal(await page.evaluate(() => window.kraft.capture().time_ms), end, 'nothing runs after the end');
  // Try it with pre-vote off: the same scenario, one switch changed, from the narration panel.
  await page.click('[data-action=experiment-0]');
  await page.waitForSelector('[data-testid=experiment]');
  assert.match(await page.textContent('[data-testid=experiment]'), /pre_vote = false/);
  assert.match(await page.textContent('[data-testid=running-cluster]'), /Pre-vote \(KIP-996\) ✗/);
  assert.equal(await step(page), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('"Next election" with nothing pending says so and leaves time alone', async () => {
  const { page, errors, context } = await open(b, server.url, VIEWPORTS[0]);
  await page.evaluate(() => window.kraft.advance(20000));
  const before = await page.evaluate(() => window.kraft.capture());
  await page.click('[data-action=next-election]');
  await page.waitForSelector('[data-testid=notice]');
  assert.match(await page.textContent('[data-testid=notice]'), /No election is pending/);
  assert.deepEqual(await page.evaluate(() => window.kraft.capture()), before);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a share link that cannot be read says so', async () => {
  for (const hash of ['#s=bm90IGEgc2Vzc2lvbg', '#s=eyJ2ZXJzaW9uIjox', '#s']) {
    const { page, errors, context } = await open(b, `${server.url}${hash}`, VIEWPORTS[0]);
    await page.waitForSelector('[data-testid=notice]');
    assert.match(await page.textContent('[data-testid=notice]'), /share link could not be read/, hash);
    assert.deepEqual(errors, []);
    await context.close();
  }
});
