// Command 1 itself: `./kraft.sh serve` serves the page, the wasm loads, and the nodes render.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { browser, open } from '../harness.mjs';

const root = new URL('../../../', import.meta.url).pathname;

async function freePort() {
  const s = createServer();
  await new Promise((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = s.address();
  await new Promise((ok) => s.close(ok));
  return port;
}

test('./kraft.sh serve serves a working page on 127.0.0.1', { timeout: 15 * 60 * 1000 }, async () => {
  const port = await freePort();
  const child = spawn('bash', ['kraft.sh', 'serve'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KRAFT_PORT: String(port), KRAFT_SERVE_DIST: 'target/serve-dist' },
  });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const url = `http://127.0.0.1:${port}/`;
  const b = await browser();
  try {
    const deadline = Date.now() + 14 * 60 * 1000;
    for (;;) {
      try { if ((await fetch(url)).ok) break; } catch { /* not up yet */ }
      assert.ok(Date.now() < deadline, `trunk serve did not come up:\n${log.slice(-3000)}`);
      assert.equal(child.exitCode, null, `./kraft.sh serve exited:\n${log.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    assert.match(log, /setup: /, 'the command reports what it installed, in one line when nothing');
    const { page, errors, context } = await open(b, url);
    const capture = await page.evaluate(() => window.kraft.capture());
    assert.equal(await page.locator('[data-node-id]').count(), capture.nodes.length);
    assert.deepEqual(errors.filter((e) => !e.includes('/.well-known/')), []);
    await context.close();
  } finally {
    await b.close();
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
  }
});
