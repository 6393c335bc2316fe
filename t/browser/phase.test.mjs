// The page served as /questionnaire.html follows the module's
// $concertation_phase: the closed page once the window is over, the
// "not yet open" page before it (nginx config, not JavaScript).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, screenshot, startSite } from './harness.mjs';

let browser;

before(async () => {
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
});

for (const [kind, h1, shot] of [
    ['closed', /close/, 'questionnaire-fenetre-fermee'],
    ['before', /pas encore ouverte/, 'questionnaire-fenetre-a-venir'],
]) {
    for (const js of [false, true]) {
        test(`window ${kind}, ${js ? 'with' : 'without'} JavaScript: `
             + '/questionnaire.html is the phase page', async () => {
            const site = await startSite({ window: kind });
            try {
                const ctx = await browser.newContext({ javaScriptEnabled: js });
                const page = await ctx.newPage();
                const res = await page.goto(site.url('/questionnaire.html'));
                assert.equal(res.status(), 200);
                assert.match(await page.locator('h1').innerText(), h1);
                assert.equal(await page.locator('form#questionnaire').count(), 0,
                             'no questionnaire form outside the window');
                if (!js) {
                    await screenshot(page, shot);
                }
                await ctx.close();
            } finally {
                await site.stop();
            }
        });
    }
}

test('window open: /questionnaire.html is the form', async () => {
    const site = await startSite();
    try {
        const ctx = await browser.newContext();
        const page = await ctx.newPage();
        await page.goto(site.url('/questionnaire.html'));
        assert.equal(await page.locator('form#questionnaire').count(), 1);
        assert.doesNotMatch(await page.locator('h1').innerText(), /close/);
        await ctx.close();
    } finally {
        await site.stop();
    }
});
