// With JavaScript, a 503 (Redis unreachable here) is announced, retried
// automatically with the same body and idempotency key, at most 3 tries in
// all, and then given up with the typed text kept.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, startSite } from './harness.mjs';

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

test('503: message, bounded retry with one idempotency key, text kept',
     { timeout: 60000 }, async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(site.url('/questionnaire.html'));
    await site.stopRedis();

    const posts = [];
    page.on('request', (req) => {
        if (req.method() === 'POST') {
            posts.push(new URLSearchParams(req.postData() ?? ''));
        }
    });
    const statuses = [];
    page.on('response', (res) => {
        if (res.request().method() === 'POST') {
            statuses.push(res.status());
        }
    });

    const vision = `Saisie conservée malgré la panne ${Date.now()}`;
    await page.check('input[name=profil][value=citoyen]');
    await page.check('input[name=departement][value="76"]');
    await page.selectOption('#champ-priorites', 'emploi');
    await page.fill('#champ-vision', vision);
    await page.check('#champ-consentement');
    await page.click('form#questionnaire button.bouton:not(.secondaire)');

    const form = page.locator('form#questionnaire');
    const etat = page.locator('#etat-questionnaire');
    await page.waitForSelector('form#questionnaire[data-etat=attente]',
                               { timeout: 15000 });
    assert.match(await etat.innerText(), /surchargé.*essai \d sur 3/s);
    assert.ok(await page.locator('form#questionnaire button.bouton:not(.secondaire)')
        .isDisabled(), 'no second send while a retry is pending');

    await page.waitForSelector('form#questionnaire[data-etat=echec]',
                               { timeout: 45000 });
    assert.match(await etat.innerText(), /n'a pas pu aboutir/);
    assert.match(await etat.innerText(), /saisie est conservée/);
    assert.deepEqual(statuses, [503, 503, 503], 'three tries in all');
    assert.equal(posts.length, 3);
    const keys = new Set(posts.map((p) => p.get('_idempotency_key')));
    assert.equal(keys.size, 1, 'one idempotency key for the form view');
    assert.ok([...keys][0]?.length >= 16, 'a real key');
    assert.ok(posts.every((p) => p.get('vision') === vision), 'same body');

    assert.equal(await page.inputValue('#champ-vision'), vision);
    assert.match(page.url(), /\/questionnaire\.html$/);
    assert.ok(!(await page.locator('form#questionnaire button.bouton:not(.secondaire)')
        .isDisabled()), 'the form can be sent again');
    assert.equal(await form.getAttribute('data-etat'), 'echec');
    await ctx.close();
});
