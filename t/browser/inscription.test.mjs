// Registrations in a real browser: a workshop registration confirmed, with
// and without JavaScript; seats left shown live; a full event shown as full.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, redisCli, screenshot, startSite, xrange }
    from './harness.mjs';

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

async function register(page, event, email) {
    await page.check(`input[name=evenement][value=${event}]`);
    await page.fill('#champ-nom', 'Lefèvre');
    await page.fill('#champ-prenom', 'Camille');
    await page.fill('#champ-email', email);
    await page.fill('#champ-organisation', 'Coopérative des Deux Rives');
    await page.check('#champ-consentement');
    await Promise.all([
        page.waitForURL(/\/inscription-confirmee\.html\?/, { timeout: 15000 }),
        page.click(SUBMIT),
    ]);
}

for (const js of [false, true]) {
    const how = js ? 'with JavaScript' : 'without JavaScript';

    test(`register to a workshop ${how}: confirmation page`, async () => {
        const event = js ? 'atelier-caen' : 'atelier-martot';
        const email = `camille.${js ? 'js' : 'sansjs'}@example.org`;
        const ctx = await browser.newContext({ javaScriptEnabled: js });
        const page = await ctx.newPage();
        await page.goto(site.url('/inscription.html'));
        const seats = confirmed(event);

        await register(page, event, email);
        await screenshot(page, `inscription-confirmee-${js ? 'js' : 'sans-js'}`);
        assert.match(await page.locator('h1').innerText(), /confirmée/);
        const q = new URL(page.url()).searchParams;
        assert.equal(q.get('evenement'), event);
        assert.ok(q.get('id'), 'the registration id is in the address');
        assert.match(q.get('jeton') ?? '', /\./, 'with its cancellation token');

        assert.equal(confirmed(event), seats + 1, 'one seat taken in Redis');
        const entry = xrange(site.redisPort, STREAM)
            .find((e) => e.fields.id === q.get('id'));
        assert.ok(entry, 'the registration is in the stream');
        assert.equal(entry.fields.event, event);
        assert.equal(entry.fields.status, 'registered');
        assert.equal(JSON.parse(entry.fields.data).email, email);
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

test('without JavaScript, no seat left: the waiting list page', async () => {
    // every seat taken, the waiting list empty
    redisCli(site.redisPort, 'HSET', 'concertation:atelier-cherbourg:event',
             'confirmed', '60');
    const ctx = await browser.newContext({ javaScriptEnabled: false });
    const page = await ctx.newPage();
    await page.goto(site.url('/inscription.html'));
    await page.check('input[name=evenement][value=atelier-cherbourg]');
    await page.fill('#champ-nom', 'Martin');
    await page.fill('#champ-prenom', 'Alix');
    await page.fill('#champ-email', 'alix@example.org');
    await page.check('#champ-consentement');
    await Promise.all([
        page.waitForURL(/\/inscription-attente\.html\?/, { timeout: 15000 }),
        page.click(SUBMIT),
    ]);
    await screenshot(page, 'inscription-attente-sans-js');
    assert.match(await page.locator('h1').innerText(), /liste d'attente/);
    const q = new URL(page.url()).searchParams;
    assert.equal(q.get('evenement'), 'atelier-cherbourg');
    assert.equal(q.get('position'), '1');
    assert.equal(confirmed('atelier-cherbourg'), 60, 'no seat beyond capacity');
    await ctx.close();
});
