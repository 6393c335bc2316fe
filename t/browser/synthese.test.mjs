// The synthesis report (concertation-export --synthese) as the Région
// shows it: 400 realistic answers (t/bench/gen-answers.pl) and a few
// registrations in the harness's Redis, the report written by the tool,
// then opened in Chromium: axe-core finds no violation, nothing sticks out
// at 320 px, no request leaves the file, a screenshot; and printed to PDF
// by Chromium headless on A4, where each section starts a page of its own
// (poppler-utils' pdfinfo and pdftotext read it back).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, SHOTS, axe, horizontalOverflow, launchBrowser, redisCli,
         startSite } from './harness.mjs';

const EXPORT = process.env.CONCERTATION_EXPORT
    || path.join(ROOT, 'build/concertation-export');
const SECTIONS = ['Résumé', 'Question par question', 'Croisements',
                  'Inscriptions aux événements',
                  'Ce que la définition actuelle ne connaît pas',
                  'Comment ce rapport a été établi'];

let site;
let browser;
let report;

before(async () => {
    site = await startSite();
    browser = await launchBrowser();
    const resp = execFileSync('perl', [path.join(ROOT, 't/bench/gen-answers.pl'),
                                       '400', '7'], { maxBuffer: 64 << 20 });
    execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(site.redisPort),
                               '--pipe'], { input: resp, timeout: 20000 });
    const ev = JSON.parse(fs.readFileSync(path.join(ROOT, 'conf/events.json'),
                                          'utf8')).events;
    const regs = [['r1', ev[0].id, 'registered'], ['r2', ev[0].id, 'registered'],
                  ['r3', ev[1].id, 'registered'], ['r2', ev[0].id, 'cancelled']];
    for (const [id, event, status] of regs) {
        redisCli(site.redisPort, 'XADD', 'concertation:inscriptions', '*', 'id', id,
                 'received_at', '2022-03-10T10:00:00.000Z', 'event', event,
                 'status', status, 'data', '{}');
    }
    report = path.join(site.run, 'rapport.html');
    execFileSync(EXPORT, ['--redis', `127.0.0.1:${site.redisPort}`,
                          '--schema', path.join(ROOT, 'conf/questionnaire.json'),
                          '--evenements', path.join(ROOT, 'conf/events.json'),
                          '--synthese', report], { timeout: 60000 });
});

after(async () => {
    await browser?.close();
    await site?.stop();
});

async function open(viewport) {
    const ctx = await browser.newContext({ viewport, javaScriptEnabled: true });
    const page = await ctx.newPage();
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${report}`);
    return { ctx, page, requests };
}

test('the report: axe-core finds no violation, nothing fetched', async () => {
    const { ctx, page, requests } = await open({ width: 1280, height: 900 });
    assert.equal(await page.title(), 'Synthèse des réponses — '
        + JSON.parse(fs.readFileSync(path.join(ROOT, 'conf/questionnaire.json'),
                                     'utf8')).title);
    assert.deepEqual(requests, [`file://${report}`], 'no other request');
    assert.equal(await page.locator('script').count(), 0, 'no script');
    assert.equal(await page.locator('#total').getAttribute('data-n'), '400');
    assert.deepEqual(await axe(page), []);
    // every chart is an image with its figures in words, beside a table
    const charts = await page.locator('svg[role=img]').count();
    const titled = await page.locator('svg[role=img] > title').count();
    assert.ok(charts > 20 && titled === charts, `${charts} charts, ${titled} titled`);
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'synthese.png'), fullPage: false });
    await ctx.close();
});

test('the report at 320 px: no horizontal scroll, no violation', async () => {
    const { ctx, page } = await open({ width: 320, height: 640 });
    const o = await horizontalOverflow(page);
    assert.ok(o.scrollWidth <= o.clientWidth,
              `scrollWidth ${o.scrollWidth} > ${o.clientWidth}`);
    assert.deepEqual(await axe(page), []);
    await page.screenshot({ path: path.join(SHOTS, 'synthese-320.png') });
    await ctx.close();
});

test('printed to PDF by Chromium headless: A4, each section on its own pages', () => {
    const pdf = path.join(site.run, 'rapport.pdf');
    execFileSync(process.env.CHROMIUM || '/usr/bin/chromium', [
        '--headless', '--no-sandbox', '--disable-gpu', '--no-pdf-header-footer',
        `--print-to-pdf=${pdf}`, `file://${report}`,
    ], { timeout: 90000, stdio: 'ignore' });
    const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
    const pages = Number(/^Pages:\s+(\d+)/m.exec(info)[1]);
    assert.match(info, /^Page size:\s+59[45](?:\.\d+)? x 84[12](?:\.\d+)? pts \(A4\)/m, 'A4');
    assert.ok(pages >= SECTIONS.length, `${pages} pages`);
    // the page each section's title is on: in order, each a new page, and
    // the title at the top of its page
    let last = 0;
    for (const title of SECTIONS) {
        let found = 0;
        for (let p = last + 1; p <= pages && !found; p++) {
            const text = execFileSync('pdftotext', ['-f', String(p), '-l', String(p),
                                                    '-layout', pdf, '-'],
                                      { encoding: 'utf8' });
            const lines = text.split('\n').map((l) => l.trim()).filter((l) => l);
            if (lines.slice(0, 3).some((l) => l === title)) {
                found = p;
            }
        }
        assert.ok(found > last, `"${title}" starts a page after page ${last}`);
        last = found;
    }
});
