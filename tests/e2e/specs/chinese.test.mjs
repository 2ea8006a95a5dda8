// Chinese everywhere: walk several guided scenarios in Chinese, open the menus, and fail on any
// English prose the page shows (text, tooltips, labels). Protocol identifiers stay as they are:
// RPC and record names (CamelCase), Kafka error names and abbreviations (UPPER_CASE), config keys
// (snake_case), KIP numbers; docs/glossary.md lists the few plain words that are kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, open } from '../harness.mjs';

let server, b;
before(async () => { server = await serve(); b = await browser(); });
after(async () => { await b?.close(); await server?.close(); });

// Kept as they are in Chinese text (docs/glossary.md).
const KEPT_WORDS = new Set(['Kafka', 'KRaft', 'Raft', 'Broker', 'broker', 'English', 'check-quorum', 'quorum-state', 'acks', 'all', 'epoch', 'min', 'max', 'ms', 's', 't', 'e', 'a-f', 'orders', 'true', 'false',
  // ZooKeeper's own words and example topics (docs/glossary.md).
  'znode', 'watch', 'multi', 'zxid', 'events', 'big']);
const KEPT_PHRASES = ['broker epoch', 'acks=all', 'acks=1', 'acks=0', 'process.roles=broker,controller'];

// English prose in a string: a plain word that is neither an identifier nor kept.
export function englishIn(text) {
  let t = text;
  for (const p of KEPT_PHRASES) t = t.split(p).join(' ');
  // ZooKeeper paths are identifiers: /controller, /brokers/ids/101.
  t = t.replace(/\/[A-Za-z0-9_\/-]+/g, ' ');
  const found = [];
  for (const m of t.matchAll(/[A-Za-z][A-Za-z_\-.]*[A-Za-z]|[A-Za-z]/g)) {
    const w = m[0];
    const identifier = /^[A-Z][a-z]+[A-Z][A-Za-z]*$/.test(w) // CamelCase: RPC, record, invariant names
      || /^[A-Z][A-Z0-9_]+$/.test(w) // NOT_LEADER_OR_FOLLOWER, HW, LEO, ISR, GC
      || /[_.]/.test(w) // config keys: snake_case, Kafka's dotted names
      || /^KIP-?$/.test(w)
      || /^[A-Z]$/.test(w) // a variable: [T, 2T)
      || /^(PreVote|Vote|Fetch|Chunk|Diverging|SnapshotId|Heartbeat|Register|HB|Reg|BeginEpoch|EndEpoch)$/.test(w)
      // Kafka's state names, quoted beside the Chinese word: 已辞职（Resigned）.
      || /^(Unattached|Prospective|Candidate|Leader|Follower|Resigned|Observer)$/.test(w);
    if (!identifier && !KEPT_WORDS.has(w)) found.push(w);
  }
  return found;
}

async function everyText(page) {
  return page.evaluate(() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const n = walker.currentNode;
      const el = n.parentElement;
      if (!el || el.closest('option:not(:checked)') || el.closest('script,style')) continue;
      if (el.closest('[data-testid=lang]')) continue; // the language switch names both languages
      const s = n.textContent.trim();
      if (s) out.push(s);
    }
    for (const el of document.querySelectorAll('[title],[aria-label]')) {
      if (el.closest('[data-testid=lang]')) continue;
      for (const a of ['title', 'aria-label']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
    }
    return out;
  });
}

async function expectNoEnglish(page, where) {
  const texts = await everyText(page);
  const bad = texts.map((s) => [s, englishIn(s)]).filter(([, w]) => w.length);
  assert.deepEqual(bad.slice(0, 12), [], `${where}: English prose on a Chinese page`);
}

// The ZooKeeper ones first: the menus below are opened on the last scenario's node 1.
const SCENARIOS = ['zk-zombie-controller', 'zk-stale-metadata', 'leader-crash', 'pre-vote', 'figure-8-unsafe', 'snapshot-truncation', 'broker-fencing', 'log-repair'];

test('the filter finds English prose and lets identifiers through', () => {
  assert.deepEqual(englishIn('节点 1 从追随者变为候选者（任期 3）：拉取超时'), []);
  assert.deepEqual(englishIn('Fetch 拒绝拉取：NOT_LEADER_OR_FOLLOWER，高水位 HW，snapshot_every_records'), []);
  assert.deepEqual(englishIn('1 goes from follower to candidate'), ['goes', 'from', 'follower', 'to', 'candidate']);
  assert.deepEqual(englishIn('（任期 3）：learned the leader'), ['learned', 'the', 'leader']);
});

test('walking guided scenarios in Chinese shows no English prose', async () => {
  const { page, errors, context } = await open(b, server.url, { width: 1440, height: 1000 });
  await page.selectOption('[data-testid=lang]', 'zh');
  // Every event kind in the log, not only the default filter's.
  for (const f of await page.$$('[data-filter]')) if (!(await f.isChecked())) await f.check();
  for (const name of SCENARIOS) {
    await page.selectOption('[data-testid=scenario-picker]', name);
    await page.selectOption('[data-testid=speed]', '50');
    await page.waitForSelector('[data-testid=narration]');
    for (let i = 0; i < 40; i++) {
      const next = page.locator('[data-action=narration-next]');
      await page.waitForFunction(() => {
        const n = document.querySelector('[data-action=narration-next]');
        return !n || n.disabled === false || document.querySelector('.narration .done');
      }, null, { timeout: 60000 });
      if (await page.locator('.narration .done').count()) break;
      if (await next.isDisabled()) break;
      // The run may end between the check and the click (Next is then disabled): look again.
      await next.click({ timeout: 3000 }).catch(() => {});
    }
    await expectNoEnglish(page, name);
  }
  // The menus and panels a learner opens.
  await page.click('[data-node-id="1"]');
  await page.waitForSelector('[data-testid=node-menu]');
  await expectNoEnglish(page, 'node menu');
  await page.click('[data-link]', { force: true });
  await expectNoEnglish(page, 'link menu');
  await page.click('details.settings summary');
  await expectNoEnglish(page, 'settings');
  // Refusals, said in Chinese: an append with no leader yet, then the help notice.
  await page.evaluate(() => window.kraft.newCluster({ controllers: 3, brokers: 0 }));
  await page.click('[data-action=append]');
  assert.match(await page.textContent('[data-testid=notice]'), /没有领导者/);
  await expectNoEnglish(page, 'a refused append');
  await page.keyboard.press('?');
  await page.waitForSelector('[data-testid=legend] li');
  await expectNoEnglish(page, 'the legend');
  assert.deepEqual(errors, []);
  await context.close();
});
