// Registrations in a real browser, with and without JavaScript: the page
// made from the programme, the answer page naming the event, the
// cancellation link that shows before the button cancels, the waiting
// list in words, a full event answered with the events that still have
// room; axe-core on every page of the journey; seats left shown live.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { axe, axeWithoutJs, launchBrowser, redisCli, screenshot, startSite,
         xrange } from './harness.mjs';

const STREAM = 'concertation:inscriptions';
const SUBMIT = 'form[action="/api/inscription"] button[type=submit]';

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

const confirmed = (id) => Number(redisCli(site.redisPort, 'HGET',
                                          `concertation:${id}:event`,
                                          'confirmed').trim() || 0);

// Waits (bounded) until GET /api/evenements reflects the counters set in
// Redis: its cache is refreshed every second.
async function eventsUntil(pred) {
    for (let i = 0; i < 50; i++) {
        const res = await fetch(site.url('/api/evenements'));
        const body = await res.json();
        const list = Array.isArray(body) ? body : body.events ?? body.evenements;
        if (pred(list)) {
            return list;
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('/api/evenements did not show the new counters');
}

async function register(page, event, email, js) {
    await page.check(`input[name=evenement][value=${event}]`);
    await page.fill('#champ-nom', 'Lefèvre');
    await page.fill('#champ-prenom', 'Camille');
    await page.fill('#champ-email', email);
    await page.fill('#champ-organisation', 'Coopérative des Deux Rives');
    await page.check('#champ-consentement');
    await Promise.all([
        page.waitForURL(/\/api\/inscription$/, { timeout: 15000 }),
        page.click(SUBMIT),
    ]);
}

// axe-core on the page as it is, JavaScript on or off
async function accessible(page, js) {
    const v = js ? await axe(page) : await axeWithoutJs(browser, site, page);
    assert.deepEqual(v, [], JSON.stringify(v, null, 1));
}

for (const js of [false, true]) {
    const how = js ? 'with JavaScript' : 'without JavaScript';

    test(`register, then cancel from the link, ${how}`, async () => {
        const event = js ? 'atelier-caen' : 'atelier-martot';
        const email = `camille.${js ? 'js' : 'sansjs'}@example.org`;
        const ctx = await browser.newContext({ javaScriptEnabled: js });
        const page = await ctx.newPage();
        await page.goto(site.url('/inscription.html'));
        await accessible(page, js);
        const seats = confirmed(event);

        await register(page, event, email, js);
        await screenshot(page, `inscription-confirmee-${js ? 'js' : 'sans-js'}`);
        assert.match(await page.locator('h1').innerText(), /confirmée/);
        const summary = await page.locator('dl.inscription').innerText();
        assert.match(summary, /Atelier territorial/, 'the event named');
        assert.match(summary, /2027, de 14\s*h à 17\s*h/, 'its day and hours');
        assert.match(summary, /Camille Lefèvre/, 'the name');
        await accessible(page, js);
        assert.equal(confirmed(event), seats + 1, 'one seat taken in Redis');
        const entry = xrange(site.redisPort, STREAM)
            .find((e) => e.fields.event === event
                         && JSON.parse(e.fields.data).email === email);
        assert.ok(entry, 'the registration is in the stream');
        assert.equal(entry.fields.status, 'registered');

        // the link shows the registration; following it cancels nothing
        await page.click('#lien-annulation');
        await page.waitForURL(/\/inscription\/annulation\?jeton=/);
        await screenshot(page, `annulation-${js ? 'js' : 'sans-js'}`);
        assert.match(await page.locator('h1').innerText(),
                     /Annuler votre inscription/);
        assert.match(await page.locator('dl.inscription').innerText(),
                     /Camille Lefèvre/);
        await accessible(page, js);
        assert.equal(confirmed(event), seats + 1, 'a GET cancels nothing');

        await Promise.all([
            page.waitForLoadState('load'),
            page.click('button:has-text("Confirmer l\'annulation")'),
        ]);
        assert.match(await page.locator('h1').innerText(), /annulée/);
        assert.match(await page.locator('main').innerText(),
                     /Votre place est libérée/);
        await accessible(page, js);
        assert.equal(confirmed(event), seats, 'the seat is free again');
        await ctx.close();
    });
}

test('seats left shown live from /api/evenements', async () => {
    redisCli(site.redisPort, 'HSET', 'concertation:atelier-alencon:event',
             'confirmed', '58');
    await eventsUntil((l) => l.some((e) => e.id === 'atelier-alencon'
                                    && e.seats_left === 2));
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(site.url('/inscription.html'));
    const places = page.locator('[data-places="atelier-alencon"]');
    await page.waitForFunction(
        () => document.querySelector('[data-places="atelier-alencon"]')
            ?.textContent.includes('2 places restantes'), null,
        { timeout: 10000 });
    assert.match(await places.innerText(), /2 places restantes/);
    assert.ok(await page.evaluate(
        () => document.documentElement.classList.contains('js')));
    await ctx.close();
});

test('a full event is shown as full', async () => {
    // no seat and no waiting place left (README: the counters of the event)
    redisCli(site.redisPort, 'HSET', 'concertation:atelier-rouen:event',
             'confirmed', '60', 'waitlisted', '20');
    await eventsUntil((l) => l.some((e) => e.id === 'atelier-rouen'
                                    && e.full === true));
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(site.url('/inscription.html'));
    const li = page.locator('li.evenement[data-evenement="atelier-rouen"]');
    await page.waitForSelector(
        'li.evenement.complet[data-evenement="atelier-rouen"]',
        { timeout: 10000 });
    await screenshot(page, 'inscription-complet');
    assert.equal(await li.getAttribute('data-complet'), 'true');
    assert.match(await li.locator('.places').innerText(), /Complet/);
    const radio = page.locator('input[name=evenement][value=atelier-rouen]');
    assert.ok(await radio.isDisabled(), 'a full event cannot be chosen');
    const label = page.locator(`label[for="${await radio.getAttribute('id')}"]`);
    assert.match(await label.innerText(), /\(complet\)/);

    // the others stay open
    const other = page.locator('li.evenement[data-evenement="atelier-cherbourg"]');
    assert.doesNotMatch(await other.getAttribute('class'), /complet/);
    assert.ok(!(await page.locator(
        'input[name=evenement][value=atelier-cherbourg]').isDisabled()));
    await ctx.close();
});

for (const js of [false, true]) {
    const how = js ? 'with JavaScript' : 'without JavaScript';

    test(`no seat left: the waiting list in words, ${how}`, async () => {
        const event = js ? 'atelier-alencon' : 'atelier-cherbourg';
        redisCli(site.redisPort, 'HSET', `concertation:${event}:event`,
                 'confirmed', '60');
        const ctx = await browser.newContext({ javaScriptEnabled: js });
        const page = await ctx.newPage();
        await page.goto(site.url('/inscription.html'));
        await register(page, event, `alix.${js}@example.org`, js);
        await screenshot(page, `inscription-attente-${js ? 'js' : 'sans-js'}`);
        assert.match(await page.locator('h1').innerText(), /liste d'attente/);
        assert.match(await page.locator('main').innerText(),
                     /en première position sur la liste d'attente/);
        await accessible(page, js);
        assert.equal(confirmed(event), 60, 'no seat beyond capacity');
        await ctx.close();
    });
}

test('a full event: the form again, and the events with room', async () => {
    // the seats and the waiting list (register.lua counts its members)
    redisCli(site.redisPort, 'HSET', 'concertation:atelier-caen:event',
             'confirmed', '60', 'waitlisted', '20');
    redisCli(site.redisPort, 'ZADD', 'concertation:atelier-caen:waitlist',
             ...Array.from({ length: 20 }, (_, i) => [String(i), `w${i}`])
                 .flat());
    const ctx = await browser.newContext({ javaScriptEnabled: false });
    const page = await ctx.newPage();
    await page.goto(site.url('/inscription.html'));
    await register(page, 'atelier-caen', 'plein@example.org', false);
    await screenshot(page, 'inscription-complet-reponse');
    assert.match(await page.locator('.resume-erreurs').innerText(),
                 /Atelier territorial du Calvados.*est complet/);
    const room = page.locator('#places-restantes + #liste-evenements');
    assert.match(await room.innerText(), /Atelier territorial de l'Eure/);
    assert.doesNotMatch(await room.innerText(), /du Calvados/);
    assert.equal(await page.inputValue('#champ-email'), 'plein@example.org',
                 'what was typed is kept');
    await accessible(page, false);
    await ctx.close();
});
