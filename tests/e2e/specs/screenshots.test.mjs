// Every library scenario's key moment (its `key_narration`), in English and Chinese at 1280×720:
// the pictures the README and docs/tour.md show, made by the same build the tests check. Each must show the
// narration it was taken at and the cluster it talks about.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { serve, browser, open } from '../harness.mjs';

const SHOTS = new URL('../../../docs/screenshots/scenarios/', import.meta.url).pathname;
const LIBRARY = new URL('../../../static/scenarios/', import.meta.url).pathname;
let server, b;
before(async () => { server = await serve(); b = await browser(); await mkdir(SHOTS, { recursive: true }); });
after(async () => { await b?.close(); await server?.close(); });

const step = (page) => page.getAttribute('[data-testid=narration-text]', 'data-step').then(Number);

test('a screenshot of every scenario at its key narration, in both languages', async () => {
  const { page, errors, context } = await open(b, server.url, { width: 1280, height: 720 });
  const names = await page.$$eval('[data-testid=scenario-picker] option', (os) => os.map((o) => o.value).filter(Boolean));
  assert.ok(names.length >= 16);
  for (const lang of ['en', 'zh']) {
    await page.selectOption('[data-testid=lang]', lang);
    for (const name of names) {
      const doc = JSON.parse(await readFile(`${LIBRARY}${name}.json`, 'utf8'));
      const key = doc.key_narration;
      assert.ok(Number.isInteger(key) && key >= 1, `${name} names its key narration`);
      await page.selectOption('[data-testid=scenario-picker]', name);
      await page.selectOption('[data-testid=speed]', '50');
      await page.waitForSelector('[data-testid=narration]');
      while (await step(page) < key) {
        const at = await step(page);
        await page.click('[data-action=narration-next]');
        await page.waitForFunction((n) => Number(document.querySelector('[data-testid=narration-text]').dataset.step) > n, at, { timeout: 30000 });
      }
      const said = await page.textContent('[data-testid=narration-text]');
      const want = doc.steps.filter((s) => s.say)[key - 1].say[lang];
      assert.equal(said.trim(), want, `${name} (${lang}) shows its key narration`);
      await page.screenshot({ path: `${SHOTS}${name}-${lang}.png` });
    }
  }
  assert.deepEqual(errors, []);
  await context.close();
});
