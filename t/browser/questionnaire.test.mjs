// The questionnaire in a real browser, with and without JavaScript: sent
// and stored in Redis; a bad answer shown inline with the text kept.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { axe, axeWithoutJs, launchBrowser, screenshot, startSite, xrange }
    from './harness.mjs';

const STREAM = 'concertation:questionnaire';
// the page's form, or the one the module's error page shows again
const SUBMIT = 'form[action="/api/questionnaire"] button[type=submit]';

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

// Fills every required field, with a recognisable text in "vision".
async function fill(page, vision, priorites = ['tourisme', 'emploi']) {
    await page.check('input[name=profil][value=acteur_ess]');
    await page.check('input[name=structure][value=cooperative]');
    await page.check('input[name=departement][value="14"]');
    for (const p of priorites) {
        await page.check(`input[name=priorites][value=${p}]`);
    }
    await page.fill('#champ-vision', vision);
    await page.fill('#champ-attentes', 'Des ateliers près de chez nous.');
    await page.fill('#champ-email', 'camille@example.org');
    await page.check('#champ-consentement');
}

function entryWith(vision) {
    return xrange(site.redisPort, STREAM).find((e) => {
        const data = JSON.parse(e.fields.data);
        return data.vision === vision;
    });
}

for (const js of [false, true]) {
    const how = js ? 'with JavaScript' : 'without JavaScript';

    describe(`questionnaire ${how}`, () => {
        test('filled and sent: thank-you page, answer in Redis', async () => {
            const ctx = await browser.newContext({ javaScriptEnabled: js });
            const page = await ctx.newPage();
            await page.goto(site.url('/questionnaire.html'));
            assert.equal(await page.locator('html').getAttribute('lang'), 'fr');

            const vision = `Une ESS visible partout en Normandie (${how}, `
                + `${Date.now()}) : coopérer, « essaimer ».`;
            await fill(page, vision);
            await Promise.all([
                page.waitForURL(/\/merci\.html\?id=/, { timeout: 15000 }),
                page.click(SUBMIT),
            ]);
            await screenshot(page, `merci-envoye-${js ? 'js' : 'sans-js'}`);
            assert.match(await page.locator('h1').innerText(), /Merci/);

            const id = new URL(page.url()).searchParams.get('id');
            const entry = entryWith(vision);
            assert.ok(entry, 'the answer is in the Redis stream');
            assert.equal(entry.fields.id, id, 'the thank-you page names it');
            const data = JSON.parse(entry.fields.data);
            assert.equal(data.profil, 'acteur_ess');
            assert.equal(data.departement, '14');
            assert.deepEqual([...data.priorites].sort(), ['emploi', 'tourisme']);
            assert.equal(data.email, 'camille@example.org');
            await ctx.close();
        });

        test('a bad answer: inline errors, summary, text kept', async () => {
            const ctx = await browser.newContext({ javaScriptEnabled: js });
            const page = await ctx.newPage();
            await page.goto(site.url('/questionnaire.html'));
            const before = xrange(site.redisPort, STREAM).length;

            // four priorities where three at most are allowed: the page
            // lets it through, the module refuses it
            const vision = `Texte à garder ${how} ${Date.now()} : é à ç œ.`;
            await fill(page, vision,
                       ['tourisme', 'transitions', 'territoires', 'emploi']);
            await page.click(SUBMIT);

            const summary = page.locator('.resume-erreurs');
            await summary.waitFor({ timeout: 15000 });
            await screenshot(page, `questionnaire-erreurs-${js ? 'js' : 'sans-js'}`);

            // the error next to the field, named and linked to it
            const err = page.locator('#erreur-priorites');
            await assert.doesNotReject(err.waitFor({ timeout: 2000 }));
            assert.ok((await err.innerText()).trim().length > 0);
            const box = page.locator('fieldset:has(#erreur-priorites), '
                                     + '.champ:has(#erreur-priorites)').first();
            assert.match(await box.getAttribute('class'), /champ-erreur/);
            assert.match(await box.innerHTML(), /id="champ-priorites"/,
                         'the error is inside the field\'s container');
            const described = await page.locator('fieldset:has(#champ-priorites)')
                .getAttribute('aria-describedby');
            assert.match(described ?? '', /erreur-priorites/);
            assert.equal(await page.locator('#champ-priorites')
                .getAttribute('aria-invalid'), 'true');

            // the summary links to the field
            const link = summary.locator('a[href="#champ-priorites"]');
            assert.equal(await link.count(), 1, 'summary links to the field');
            assert.match(await summary.locator('h2').innerText(),
                         /1 erreur à corriger/);
            if (js) {
                assert.equal(await page.evaluate(
                    () => document.activeElement?.id), 'resume-erreurs',
                    'the summary gets the focus');
                assert.equal(await page.locator('form#questionnaire')
                    .getAttribute('data-etat'), 'erreurs');
                assert.match(page.url(), /\/questionnaire\.html$/,
                             'no navigation with JavaScript');
            }

            // the page with its errors is accessible too
            const v = js ? await axe(page)
                         : await axeWithoutJs(browser, site, page);
            assert.deepEqual(v, [], JSON.stringify(v, null, 1));

            // what was typed is still there
            assert.equal(await page.inputValue('#champ-vision'), vision);
            assert.equal(await page.inputValue('#champ-email'),
                         'camille@example.org');
            assert.ok(await page.isChecked('input[name=profil][value=acteur_ess]'));
            assert.ok(await page.isChecked('input[name=priorites][value=emploi]'));

            // following the link puts the focus on the field
            if (js) {
                await link.click();
                assert.equal(await page.evaluate(() => document.activeElement?.id),
                             'champ-priorites');
            }

            // nothing stored
            assert.equal(xrange(site.redisPort, STREAM).length, before);

            // corrected and sent again: stored once
            await page.uncheck('input[name=priorites][value=territoires]');
            await Promise.all([
                page.waitForURL(/\/merci\.html\?id=/, { timeout: 15000 }),
                page.click(SUBMIT),
            ]);
            assert.ok(entryWith(vision), 'the corrected answer is stored');
            assert.equal(xrange(site.redisPort, STREAM).length, before + 1);
            await ctx.close();
        });
    });
}

test('with JavaScript a double click sends once', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(site.url('/questionnaire.html'));
    const before = xrange(site.redisPort, STREAM).length;
    const vision = `Double clic ${Date.now()}`;
    await fill(page, vision);
    let posts = 0;
    page.on('request', (req) => {
        if (req.method() === 'POST') {
            posts++;
        }
    });
    await Promise.all([
        page.waitForURL(/\/merci\.html\?id=/, { timeout: 15000 }),
        page.dblclick(SUBMIT),
    ]);
    assert.equal(posts, 1, 'one POST for a double click');
    assert.equal(xrange(site.redisPort, STREAM).length, before + 1);
    await ctx.close();
});
