// The questionnaire the module renders from conf/questionnaire.json, in a
// real browser, with and without JavaScript: filled like a person would
// (conditions that hide a section and show a question, "other" texts, a
// scale, a grid, a ranking), sent and stored in Redis; a bad answer shown
// with everything kept, fixed and sent.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { axe, axeWithoutJs, horizontalOverflow, launchBrowser, redisCli,
         screenshot, startSite, xrange } from './harness.mjs';

const STREAM = 'concertation:questionnaire';
// the page's form, or the one the module's error page shows again
const SUBMIT = 'form[action="/api/questionnaire"] button.bouton:not(.secondaire)';

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

const byId = (id) => `[id="${id}"]`;

// The questions everybody answers, with a recognisable text in "vision".
async function fillCommon(page, vision) {
    await page.check('input[name=departement][value="14"]');
    await page.selectOption(byId('champ-priorites'), 'tourisme');
    await page.selectOption(byId('champ-priorites-2'), 'emploi');
    await page.fill('#champ-vision', vision);
    await page.fill('#champ-email', 'camille@example.org');
    await page.check('#champ-consentement');
}

function entryWith(vision) {
    return xrange(site.redisPort, STREAM).find((e) => {
        const data = JSON.parse(e.fields.data);
        return data.vision === vision;
    });
}

async function sent(page) {
    await Promise.all([
        page.waitForURL(/\/merci\.html\?id=/, { timeout: 15000 }),
        page.click(SUBMIT),
    ]);
    return new URL(page.url()).searchParams.get('id');
}

for (const js of [false, true]) {
    const how = js ? 'with JavaScript' : 'without JavaScript';
    const tag = js ? 'js' : 'sans-js';

    describe(`questionnaire ${how}`, () => {
        test('the whole questionnaire, filled like a person would', async () => {
            const ctx = await browser.newContext({ javaScriptEnabled: js });
            const page = await ctx.newPage();
            await page.goto(site.url('/questionnaire.html'));
            assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
            assert.equal(await page.locator('h1').count(), 1);
            assert.equal(await page.locator('section.partie').count(), 6);

            const structure = page.locator('#partie-2');
            const age = page.locator('#q-age');
            if (js) {
                // nothing chosen yet: the structure's section does not apply
                assert.equal(await structure.isVisible(), false);
                await page.check('input[name=profil][value=citoyen]');
                assert.equal(await age.isVisible(), true, 'age shown to a citizen');
                assert.equal(await structure.isVisible(), false);
            } else {
                // every question is there, each condition said in words
                assert.equal(await structure.isVisible(), true);
                assert.match(await structure.locator('p.condition').first().innerText(),
                             /^Si vous avez répondu «\sStructure de l'ESS\s» ou/);
                assert.match(await age.locator('p.condition').innerText(),
                             /«\sCitoyenne ou citoyen\s» à «\sVous répondez en tant que\s»/);
            }

            // a structure of the ESS: its section appears, age goes
            await page.check('input[name=profil][value=acteur_ess]');
            if (js) {
                assert.equal(await structure.isVisible(), true, 'the section applies');
                assert.equal(await age.isVisible(), false, 'age no longer applies');
                assert.equal(await page.locator('#q-benevoles').isVisible(), false);
            } else {
                // answered although it does not apply: dropped by the module
                await page.check('input[name=age][value="25_39"]');
            }
            await page.check('input[name=departement][value="50"]');
            await page.fill('#champ-commune', 'Saint-Lô');
            await page.check(`input[name=connaissance][value="4"]`);

            await page.check('input[name=structure][value=association]');
            if (js) {
                assert.equal(await page.locator('#q-benevoles').isVisible(), true,
                             'volunteers asked of an association');
            }
            await page.fill('#champ-nom_structure', 'Les Ateliers du Bocage');
            await page.fill('#champ-salaries', '12');
            await page.fill('#champ-benevoles', '40');
            await page.check('input[name=secteurs][value=insertion]');
            await page.check('input[name=secteurs][value=autre]');
            await page.fill(byId('champ-secteurs.autre'), 'Mobilité solidaire');
            await page.check('input[name=cooperation][value=parfois]');

            await page.selectOption(byId('champ-priorites'), 'emploi');
            await page.selectOption(byId('champ-priorites-2'), 'tourisme');
            await page.selectOption(byId('champ-priorites-3'), 'formation');
            if (js) {
                // with the keyboard: move the second choice up
                await page.focus('#champ-priorites-2 ~ button.rang-up, '
                                 + 'li:nth-child(2) button.rang-up');
                await page.keyboard.press('Enter');
                assert.equal(await page.inputValue(byId('champ-priorites')),
                             'tourisme');
                assert.equal(await page.inputValue(byId('champ-priorites-2')),
                             'emploi');
                // a choice taken by one rank is greyed out in the others
                assert.equal(await page.locator(
                    `${byId('champ-priorites-3')} option[value=tourisme]`)
                    .isDisabled(), true);
            } else {
                await page.selectOption(byId('champ-priorites'), 'tourisme');
                await page.selectOption(byId('champ-priorites-2'), 'emploi');
            }
            const vision = `Une ESS visible partout en Normandie (${how}, `
                + `${Date.now()}) : coopérer, « essaimer ».`;
            await page.fill('#champ-vision', vision);
            await page.fill('#champ-initiative', 'Une recyclerie à Vire.');

            const rows = ['tourisme', 'transitions', 'territoires',
                          'formation', 'cooperation'];
            for (const [k, row] of rows.entries()) {
                const v = k === 2 ? 'nsp' : String(1 + k);
                await page.check(`input[name="accord.${row}"][value="${v}"]`);
            }
            await page.check('input[name=freins][value=foncier]');
            await page.check('input[name=dispositifs][value="2"]');
            if (js) {
                assert.equal(await page.locator('#q-accompagnement').isVisible(),
                             false);
            }
            await page.check('input[name=soutiens][value=accompagnement]');
            if (js) {
                assert.equal(await page.locator('#q-accompagnement').isVisible(),
                             true, 'a question shown by a multiple choice');
            }
            await page.fill('#champ-accompagnement', 'Un appui juridique.');
            await page.fill('#champ-attentes', 'Des ateliers près de chez nous.');
            await page.check('input[name=participation][value=atelier]');
            await page.check('input[name=connu][value=autre]');
            await page.fill(byId('champ-connu.autre'), 'Une affiche à la mairie');
            await page.fill('#champ-email', 'camille@example.org');
            await page.check('#champ-consentement');
            await screenshot(page, `questionnaire-rempli-${tag}`);

            const id = await sent(page);
            assert.match(await page.locator('h1').innerText(), /Merci/);

            const entry = entryWith(vision);
            assert.ok(entry, 'the answer is in the Redis stream');
            assert.equal(entry.fields.id, id, 'the thank-you page names it');
            assert.deepEqual(JSON.parse(entry.fields.data), {
                profil: 'acteur_ess', departement: '50', commune: 'Saint-Lô',
                connaissance: 4, structure: 'association',
                nom_structure: 'Les Ateliers du Bocage', salaries: 12,
                benevoles: 40, secteurs: ['insertion', 'autre'],
                'secteurs.autre': 'Mobilité solidaire', cooperation: 'parfois',
                priorites: ['tourisme', 'emploi', 'formation'], vision,
                initiative: 'Une recyclerie à Vire.',
                'accord.tourisme': 1, 'accord.transitions': 2,
                'accord.territoires': 'nsp', 'accord.formation': 4,
                'accord.cooperation': 5, freins: ['foncier'], dispositifs: 2,
                soutiens: ['accompagnement'],
                accompagnement: 'Un appui juridique.',
                attentes: 'Des ateliers près de chez nous.',
                participation: ['atelier'], connu: 'autre',
                'connu.autre': 'Une affiche à la mairie',
                email: 'camille@example.org', consentement: true,
            }, 'every answer, in the order of the questionnaire; no age');
            await ctx.close();
        });

        test('a bad answer: inline errors, summary, everything kept', async () => {
            const ctx = await browser.newContext({ javaScriptEnabled: js });
            const page = await ctx.newPage();
            await page.goto(site.url('/questionnaire.html'));
            const before = xrange(site.redisPort, STREAM).length;

            // "Autre" without saying what: the page lets it through, the
            // module refuses it
            const vision = `Texte à garder ${how} ${Date.now()} : é à ç œ.`;
            await page.check('input[name=profil][value=autre]');
            await fillCommon(page, vision);
            await page.check('input[name="accord.formation"][value="3"]');
            await page.click(SUBMIT);

            const summary = page.locator('.resume-erreurs');
            await summary.waitFor({ timeout: 15000 });
            await screenshot(page, `questionnaire-erreurs-${tag}`);

            // the error next to the field, named and linked to it
            const err = page.locator(byId('erreur-profil.autre'));
            await assert.doesNotReject(err.waitFor({ timeout: 2000 }));
            assert.match(await err.innerText(), /Vous avez choisi «\sAutre\s»\s: précisez/);
            assert.equal(await page.locator(byId('champ-profil.autre'))
                .getAttribute('aria-invalid'), 'true');
            const link = summary.locator('a[href="#champ-profil.autre"]');
            assert.equal(await link.count(), 1, 'summary links to the field');
            assert.match(await summary.locator('h2').innerText(),
                         /1 erreur à corriger/);
            if (js) {
                assert.equal(await page.evaluate(
                    () => document.activeElement?.id), 'resume-erreurs',
                    'the summary gets the focus');
                assert.match(page.url(), /\/questionnaire\.html$/,
                             'no navigation with JavaScript');
            }

            // the page with its errors is accessible too
            const v = js ? await axe(page)
                         : await axeWithoutJs(browser, site, page);
            assert.deepEqual(v, [], JSON.stringify(v, null, 1));

            // what was typed and chosen is still there
            assert.equal(await page.inputValue('#champ-vision'), vision);
            assert.equal(await page.inputValue('#champ-email'),
                         'camille@example.org');
            assert.ok(await page.isChecked('input[name=profil][value=autre]'));
            assert.ok(await page.isChecked('input[name="accord.formation"][value="3"]'));
            assert.equal(await page.inputValue(byId('champ-priorites-2')), 'emploi');

            // nothing stored
            assert.equal(xrange(site.redisPort, STREAM).length, before);

            // fixed and sent again: stored once
            await page.fill(byId('champ-profil.autre'), 'Élue municipale');
            await sent(page);
            const entry = entryWith(vision);
            assert.ok(entry, 'the corrected answer is stored');
            assert.equal(JSON.parse(entry.fields.data)['profil.autre'],
                         'Élue municipale');
            assert.equal(xrange(site.redisPort, STREAM).length, before + 1);
            await ctx.close();
        });
    });
}

function drafts() {
    return redisCli(site.redisPort, 'KEYS', 'concertation:brouillon:*')
        .split('\n').filter((k) => k).length;
}

for (const js of [false, true]) {
    const how = js ? 'with JavaScript' : 'without JavaScript';

    test(`${how}: a draft saved, then resumed in a new browser`, async () => {
        const before = drafts();
        const ctx = await browser.newContext({ javaScriptEnabled: js });
        const page = await ctx.newPage();
        await page.goto(site.url('/questionnaire.html'));
        const vision = `Commencé ${how} ${Date.now()}, à finir plus tard.`;
        await page.check('input[name=profil][value=reseau]');
        await page.fill('#champ-vision', vision);
        await page.check('input[name="accord.transitions"][value="4"]');
        await page.selectOption(byId('champ-priorites'), 'territoires');
        await page.click('button[name=_brouillon]');
        const link = page.locator('#lien-reprise');
        await link.waitFor({ timeout: 15000 });
        await screenshot(page, `brouillon-enregistre-${js ? 'js' : 'sans-js'}`);
        const href = await link.getAttribute('href');
        assert.match(href, /^\/questionnaire\.html\?reprise=[A-Za-z0-9_-]{22}$/);
        assert.equal(drafts(), before + 1, 'one more draft in Redis');
        // the saved page is the form, its answers kept
        assert.equal(await page.inputValue('#champ-vision'), vision);
        const v = js ? await axe(page) : await axeWithoutJs(browser, site, page);
        assert.deepEqual(v, [], JSON.stringify(v, null, 1));
        await ctx.close();

        // another browser, days later: the link, the answers
        const ctx2 = await browser.newContext({ javaScriptEnabled: js });
        const page2 = await ctx2.newPage();
        await page2.goto(site.url(href));
        assert.match(await page2.locator('p.encadre[role=status]').innerText(),
                     /Voici les réponses de votre brouillon/);
        assert.equal(await page2.inputValue('#champ-vision'), vision);
        assert.ok(await page2.isChecked('input[name=profil][value=reseau]'));
        assert.ok(await page2.isChecked('input[name="accord.transitions"][value="4"]'));
        assert.equal(await page2.inputValue(byId('champ-priorites')), 'territoires');
        await page2.check('input[name=departement][value="27"]');
        await page2.check('#champ-consentement');
        await sent(page2);
        const entry = entryWith(vision);
        assert.ok(entry, 'the answer is stored');
        assert.equal(JSON.parse(entry.fields.data)['accord.transitions'], 4);
        assert.equal(drafts(), before, 'the draft is gone once the answer is in');

        // the link now leads to an empty form, said so
        await page2.goto(site.url(href));
        assert.match(await page2.locator('p.encadre[role=status]').innerText(),
                     /Ce brouillon est introuvable/);
        assert.equal(await page2.inputValue('#champ-vision'), '');
        await ctx2.close();
    });
}

test('with JavaScript a required question left empty is said before sending',
    async () => {
        const ctx = await browser.newContext();
        const page = await ctx.newPage();
        await page.goto(site.url('/questionnaire.html'));
        let posts = 0;
        page.on('request', (req) => {
            if (req.method() === 'POST') {
                posts++;
            }
        });
        await page.check('input[name=profil][value=citoyen]');
        await page.click(SUBMIT);
        await page.locator('.resume-erreurs').waitFor({ timeout: 5000 });
        assert.equal(posts, 0, 'nothing sent');
        assert.match(await page.locator('#erreur-departement').innerText(),
                     /Ce champ est obligatoire\s: choisissez une réponse/);
        assert.match(await page.locator('#erreur-priorites').innerText(),
                     /classez entre 1 et 3 réponses/);
        assert.equal(await page.locator('#erreur-age').count(), 0,
                     'age is not required');
        await ctx.close();
    });

test('320 px wide: the questionnaire has no horizontal scroll', async () => {
    for (const js of [false, true]) {
        const ctx = await browser.newContext({ javaScriptEnabled: js,
                                               viewport: { width: 320, height: 640 } });
        const page = await ctx.newPage();
        await page.goto(site.url('/questionnaire.html'));
        await page.check('input[name=profil][value=acteur_ess]');
        const o = await horizontalOverflow(page);
        assert.ok(o.scrollWidth <= o.clientWidth,
                  `scrollWidth ${o.scrollWidth} > ${o.clientWidth}`);
        await screenshot(page, `questionnaire-320-${js ? 'js' : 'sans-js'}`);
        await ctx.close();
    }
});

test('with JavaScript a double click sends once', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(site.url('/questionnaire.html'));
    const before = xrange(site.redisPort, STREAM).length;
    const vision = `Double clic ${Date.now()}`;
    await page.check('input[name=profil][value=citoyen]');
    await fillCommon(page, vision);
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
