// Browser benchmark of the animation's work per frame: 9 controllers and 30 brokers playing at
// 1× for SECONDS (default 20) in headless Chromium at 1280×720. Prints frame work p50/p95/max
// two ways: the page's own figures (window.kraft.frameTimes(), as bench.mjs reads them: the tick
// plus the render it causes, to the root's effect) and, measured from outside the page, each 33 ms
// clock callback plus the microtasks it queues. Yew's scheduler splits a render longer than 16 ms
// over tasks: the page's figure then also holds what ran between them, the outside figure stops
// at the split. Not a pass/fail test; compare builds one after the other in one sitting:
//   KRAFT_DIST=/path/to/dist node bench-frames.mjs [SECONDS]     (after `trunk build --release`)
import { serve, browser, DIST } from './harness.mjs';

const seconds = Number(process.argv[2] || 20);
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.round((s.length - 1) * p))]; };
const figures = (work) => ({
  frames: work.length,
  p50_ms: +pct(work, 0.5).toFixed(2),
  p95_ms: +pct(work, 0.95).toFixed(2),
  max_ms: +Math.max(...work).toFixed(2),
});

// Times every callback of a 33 ms interval (the page's frame clock) to the end of the microtasks
// it queued: the reducer runs in the callback, the render in a microtask after it.
const timeFrameClock = () => {
  const setInterval = window.setInterval;
  window.__frameWork = [];
  window.setInterval = function (fn, ms, ...rest) {
    if (ms !== 33 || typeof fn !== 'function') return setInterval.call(this, fn, ms, ...rest);
    return setInterval.call(this, function (...args) {
      const t0 = performance.now();
      fn.apply(this, args);
      queueMicrotask(() => window.__frameWork.push(performance.now() - t0));
    }, ms, ...rest);
  };
};

const server = await serve();
const b = await browser();
try {
  const context = await b.newContext({ viewport: { width: 1280, height: 720 } });
  await context.addInitScript(timeFrameClock);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  await page.waitForSelector('[data-node-id]');
  await page.evaluate(() => window.kraft.newCluster({ controllers: 9, brokers: 30, seed: 5 }));
  await page.selectOption('[data-testid=speed]', '1');
  await page.click('[data-action=play]');
  // The first second elects a leader and registers the brokers: the steady animation follows.
  await page.waitForTimeout(1500);
  await page.evaluate(() => { window.kraft.frameTimes(); window.__frameWork = []; });
  await page.waitForTimeout(seconds * 1000);
  await page.click('[data-action=pause-time]');
  const inPage = await page.evaluate(() => window.kraft.frameTimes());
  const outside = await page.evaluate(() => window.__frameWork);
  const out = {
    dist: DIST,
    seconds,
    virtual_ms: await page.evaluate(() => window.kraft.stats().time_ms),
    frame_work: figures(inPage),
    clock_callback_and_render: figures(outside),
    errors,
  };
  console.log(JSON.stringify(out));
  await context.close();
} finally {
  await b.close();
  await server.close();
}
