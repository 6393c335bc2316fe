// Every page: screenshots at 320 px and desktop width, no horizontal scroll
// on a 320 px wide screen, axe-core finds no violation, the CSP blocks
// nothing the page needs, no third-party request.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PAGES, axe, horizontalOverflow, launchBrowser, screenshot,
         startSite } from './harness.mjs';

let site;
let browser;

before(async () => {
    site = await startSite();
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
    await site?.stop();
});

async function open(path, viewport) {
    const ctx = await browser.newContext({ viewport });
    const page = await ctx.newPage();
    const problems = [];
    const foreign = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
        if (m.type() === 'error' && !/favicon/.test(m.location()?.url ?? '')) {
            problems.push(`console: ${m.text()}`);
        }
    });
    page.on('request', (req) => {
        if (!req.url().startsWith(site.base)) {
            foreign.push(req.url());
        }
    });
    const res = await page.goto(site.url(path));
    // the seats of /inscription.html come from /api/evenements
    await page.waitForLoadState('networkidle');
    return { ctx, page, res, problems, foreign };
}

for (const [name, path] of PAGES) {
    describe(`page ${name} (${path})`, () => {
        test('320 px wide: no horizontal scroll', async () => {
            const { ctx, page, res, problems, foreign } =
                await open(path, { width: 320, height: 640 });
            assert.ok(res.status() < 400 || /^\/(404|429|50x)\.html/.test(path),
                      `status ${res.status()}`);
            await screenshot(page, `${name}-320`);
            const o = await horizontalOverflow(page);
            assert.ok(o.scrollWidth <= o.clientWidth,
                      `scrollWidth ${o.scrollWidth} > ${o.clientWidth}`);
            assert.deepEqual(problems, []);
            assert.deepEqual(foreign, [], 'no third-party resource');
            await ctx.close();
        });

        test('desktop: axe-core finds no violation', async () => {
            const { ctx, page, problems } =
                await open(path, { width: 1280, height: 900 });
            await screenshot(page, `${name}-1280`);
            const v = await axe(page);
            assert.deepEqual(v, [], JSON.stringify(v, null, 1));
            assert.deepEqual(problems, []);
            await ctx.close();
        });

        test('320 px: axe-core finds no violation', async () => {
            const { ctx, page } = await open(path, { width: 320, height: 640 });
            const v = await axe(page);
            assert.deepEqual(v, [], JSON.stringify(v, null, 1));
            await ctx.close();
        });
    });
}

// The checks themselves: they would see a broken page.
test('the checks catch a planted fault', async () => {
    const { ctx, page } = await open('/', { width: 320, height: 640 });
    await page.evaluate(() => {
        const img = document.createElement('img');
        img.src = '/css/site.css';
        const wide = document.createElement('div');
        wide.style.width = '1000px';
        wide.style.height = '1px';
        document.querySelector('main').append(img, wide);
    });
    const v = await axe(page);
    assert.ok(v.some((x) => x.id === 'image-alt'), 'axe-core ran in the page');
    const o = await horizontalOverflow(page);
    assert.ok(o.scrollWidth > o.clientWidth, 'the overflow is seen');
    await ctx.close();
});
