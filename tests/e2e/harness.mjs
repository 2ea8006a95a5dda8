// Shared by the end-to-end specs and the browser benchmark: serve dist/ on 127.0.0.1 (the test
// that starts the server stops it) and drive Debian's Chromium with playwright-core.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const DIST = resolve(process.env.KRAFT_DIST || new URL('../../dist', import.meta.url).pathname);

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json', '.png': 'image/png' };

export async function serve(dir = DIST) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(dir, path.endsWith('/') ? 'index.html' : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}/`;
  return { url, close: () => new Promise((ok) => server.close(ok)) };
}

export async function browser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

// A fresh context (empty localStorage), the page loaded, its errors collected.
export async function open(b, url, viewport = { width: 1400, height: 1000 }) {
  const context = await b.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
  page.on('response', (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`); });
  await page.goto(url);
  await page.waitForSelector('[data-node-id]');
  return { context, page, errors };
}

// Compares what the page shows with a capture (the CLI's capture JSON, docs/architecture.md), node by node.
export async function domMatchesCapture(page, capture) {
  const dom = await page.$$eval('[data-node-id]', (els) => els.map((e) => ({
    id: Number(e.dataset.nodeId), kind: e.dataset.kind, role: e.dataset.role, epoch: Number(e.dataset.epoch),
    alive: e.dataset.alive === 'true', hw: e.dataset.hw === '' ? null : Number(e.dataset.hw), leo: Number(e.dataset.leo),
  })));
  const want = capture.nodes.map((n) => ({ id: n.id, kind: n.kind, role: n.role, epoch: n.epoch, alive: n.alive, hw: n.hw, leo: n.leo }));
  return { dom, want };
}
