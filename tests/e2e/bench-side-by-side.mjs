// Browser benchmark for the side-by-side view at scale: both modes with one topic of
// PARTITIONS partitions (default 100,000) in the page, then the controller crashed on both.
// Prints the wall time each phase took and the work per frame (the two clusters' slice of the
// frame plus the render), from window.kraft.frameTimes(). Not a pass/fail test.
//   node bench-side-by-side.mjs [PARTITIONS]     (after `trunk build --release`)
import { serve, browser, open } from './harness.mjs';

const partitions = process.argv[2] || '100000';
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.round((s.length - 1) * p))]; };
const frames = (work) => ({
  frames: work.length,
  p50_ms: +pct(work, 0.5).toFixed(1),
  p95_ms: +pct(work, 0.95).toFixed(1),
  max_ms: +Math.max(...work).toFixed(1),
});
const out = { partitions: Number(partitions) };
const server = await serve();
const b = await browser();
try {
  const { page } = await open(b, server.url, { width: 1280, height: 720 });
  await page.click('[data-action=side-by-side]');
  await page.selectOption('[data-testid=sbs-partitions]', partitions);
  await page.evaluate(() => window.kraft.frameTimes());
  let t0 = Date.now();
  await page.waitForSelector('[data-testid=side-by-side][data-ready=true]', { timeout: 3_600_000 });
  out.setup_wall_s = +((Date.now() - t0) / 1000).toFixed(1);
  out.setup_frames = frames(await page.evaluate(() => window.kraft.frameTimes()));
  // The page answers while it works: a click is handled within a frame or two.
  await page.selectOption('[data-testid=sbs-speed]', '16');
  t0 = Date.now();
  await page.click('[data-action=sbs-crash-controller]');
  for (const mode of ['kraft', 'zookeeper']) {
    await page.waitForSelector(`.sbs-side[data-mode=${mode}][data-failover-ms]:not([data-failover-ms=""])`, { timeout: 3_600_000 });
    out[`${mode}_failover_virtual_s`] = +(Number(await page.getAttribute(`.sbs-side[data-mode=${mode}]`, 'data-failover-ms')) / 1000).toFixed(1);
    out[`${mode}_failover_wall_s`] = +((Date.now() - t0) / 1000).toFixed(1);
  }
  out.failover_frames = frames(await page.evaluate(() => window.kraft.frameTimes()));
  out.wasm_memory_mb = +((await page.evaluate(() => window.kraft.wasmMemoryBytes())) / 1048576).toFixed(0);
} finally {
  await b.close();
  await server.close();
}
console.log(JSON.stringify(out));
