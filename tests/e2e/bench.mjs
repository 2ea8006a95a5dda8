// Browser benchmark (docs/architecture.md, "Performance"): runs the release build in headless Chromium and prints figures,
// with the native figures measured in the same run for the ratios. Not a pass/fail test.
//   node bench.mjs            (after `trunk build --release` and `cargo build --release -p kraft-core`)
import { readFile, readdir } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { serve, browser, open, DIST } from './harness.mjs';

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.round((s.length - 1) * p))]; };
const out = {};

// Sizes after gzip.
let wasm = 0, js = 0, raw = 0;
for (const f of await readdir(DIST)) {
  if (!f.endsWith('.wasm') && !f.endsWith('.js')) continue;
  const body = await readFile(`${DIST}/${f}`);
  if (f.endsWith('.wasm')) { wasm += gzipSync(body, { level: 9 }).length; raw += body.length; }
  if (f.endsWith('.js')) js += gzipSync(body, { level: 9 }).length;
}
out.wasm_raw_kb = +(raw / 1024).toFixed(1);
out.wasm_gzip_kb = +(wasm / 1024).toFixed(1);
out.js_gzip_kb = +(js / 1024).toFixed(1);
out.total_gzip_kb = +((wasm + js) / 1024).toFixed(1);

// Native figures, same machine, same moment.
const native = new URL('../../target/release/kraft-sim', import.meta.url).pathname;
try {
  const text = execFileSync(native, ['bench', '--quick'], { encoding: 'utf8' });
  const summary = JSON.parse(text.trim().split('\n').pop());
  out.native_events_per_s_5c = Math.round(summary.events_per_s_5c_checks_on);
  out.native_virtual_s_per_wall_s = Math.round(summary.virtual_s_per_wall_s_5c10b);
} catch (e) { console.error(`native bench unavailable (${e.message}); build it with cargo build --release -p kraft-core`); }
// The explorer, same search natively and in the page (kraft-sim bench --explore --quick: 300,000 states).
const EXPLORE_STATES = 300000;
try {
  const text = execFileSync(native, ['bench', '--explore', '--quick'], { encoding: 'utf8' });
  const summary = JSON.parse(text.trim().split('\n').pop());
  out.native_explore_distinct_per_min = Math.round(summary.explore_distinct_per_min);
} catch (e) { console.error(`native explorer bench unavailable (${e.message})`); }

const server = await serve();
const b = await browser();
try {
  // 0. Memory of the page's history, each in a fresh page (wasm memory never shrinks, so an earlier
  //    workload would hide it): 30 minutes of 5 controllers + 10 brokers, and 24 hours of 3 + 5.
  for (const [key, settings, ms] of [
    ['wasm_memory_mb_30min_5c10b_fresh', { controllers: 5, brokers: 10, seed: 7 }, 1_800_000],
    ['wasm_memory_mb_24h_3c5b_fresh', { controllers: 3, brokers: 5, seed: 4 }, 86_400_000],
  ]) {
    const { page: p, context: c } = await open(b, server.url);
    await p.evaluate((s) => window.kraft.newCluster(s), settings);
    const t0 = Date.now();
    // In steps of an hour at most, as a learner's session grows.
    for (let t = 0; t < ms; t += 3_600_000) await p.evaluate((d) => window.kraft.advance(d), Math.min(3_600_000, ms - t));
    out[key] = +((await p.evaluate(() => window.kraft.wasmMemoryBytes())) / 1048576).toFixed(1);
    out[key.replace('wasm_memory_mb', 'wall_s')] = +((Date.now() - t0) / 1000).toFixed(1);
    await c.close();
  }
  const { page, context } = await open(b, server.url);
  // 1. Events per second in wasm (best of 3), same workload as the native bench.
  let best = 0;
  for (let i = 0; i < 3; i++) {
    const r = await page.evaluate(() => window.kraft.benchEvents(5));
    best = Math.max(best, r.events / (r.ms / 1000));
  }
  out.wasm_events_per_s_5c = Math.round(best);
  if (out.native_events_per_s_5c) out.native_over_wasm_events = +(out.native_events_per_s_5c / best).toFixed(2);
  const ex = await page.evaluate((n) => window.kraft.benchExplore(n), EXPLORE_STATES);
  out.wasm_explore_distinct_per_min = Math.round(ex.visited / (ex.ms / 60000));
  if (out.native_explore_distinct_per_min) out.wasm_over_native_explore = +(out.wasm_explore_distinct_per_min / out.native_explore_distinct_per_min).toFixed(2);
  const v = await page.evaluate(() => window.kraft.benchVirtual());
  out.wasm_virtual_s_per_wall_s = Math.round(v.virtual_ms / v.ms);

  // 2. Frame time while animating 9 controllers + 30 brokers at 1×.
  await page.evaluate(() => window.kraft.newCluster({ controllers: 9, brokers: 30, seed: 5 }));
  await page.selectOption('[data-testid=speed]', '1');
  await page.click('[data-action=play]');
  await page.waitForTimeout(1500);
  await page.evaluate(() => window.kraft.frameTimes());
  const frames = await page.evaluate(() => new Promise((done) => {
    const d = []; let last = performance.now(); const end = last + 8000;
    const f = (t) => { d.push(t - last); last = t; if (t < end) requestAnimationFrame(f); else done(d); };
    requestAnimationFrame(f);
  }));
  await page.click('[data-action=pause-time]');
  // Work per frame (advance the simulation + render), measured inside the page.
  const work = await page.evaluate(() => window.kraft.frameTimes());
  out.frame_work_frames = work.length;
  out.frame_work_p50_ms = +pct(work, 0.5).toFixed(2);
  out.frame_work_p95_ms = +pct(work, 0.95).toFixed(2);
  out.frame_work_max_ms = +Math.max(...work).toFixed(2);
  out.frames = frames.length;
  out.frame_p50_ms = +pct(frames, 0.5).toFixed(2);
  out.frame_p95_ms = +pct(frames, 0.95).toFixed(2);
  out.frame_max_ms = +Math.max(...frames).toFixed(2);

  // 3. Seek anywhere in 30 minutes of history (5 controllers + 10 brokers), core only and with the page redrawn.
  await page.evaluate(() => window.kraft.newCluster({ controllers: 5, brokers: 10, seed: 7 }));
  await page.evaluate(() => window.kraft.advance(1_800_000));
  const core = [], drawn = [];
  let x = 7;
  for (let i = 0; i < 60; i++) {
    x = (x * 7919 + 104729) % 1_800_000;
    core.push(await page.evaluate((t) => window.kraft.seekTimed(t), x));
    const y = (x * 31 + 17) % 1_800_000;
    drawn.push(await page.evaluate((t) => new Promise((done) => {
      const t0 = performance.now();
      window.kraft.seek(t);
      // The page re-renders in a microtask; this one, queued after it, sees the end.
      queueMicrotask(() => done(performance.now() - t0));
    }), y));
  }
  out.seek_core_p95_ms = +pct(core, 0.95).toFixed(2);
  out.seek_core_max_ms = +Math.max(...core).toFixed(2);
  out.seek_and_draw_p95_ms = +pct(drawn, 0.95).toFixed(2);
  out.wasm_memory_mb_after_30min = +((await page.evaluate(() => window.kraft.wasmMemoryBytes())) / 1048576).toFixed(1);
  await context.close();
} finally {
  await b.close();
  await server.close();
}
for (const [k, v] of Object.entries(out)) console.log(`${k.padEnd(32)} ${v}`);
console.log(JSON.stringify(out));
