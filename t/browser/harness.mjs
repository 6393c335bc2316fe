// Browser test harness: a private redis-server and nginx (with the module
// and what make run serves, derived as conf/run-dev.sh derives it, with
// t/browser/harness.overrides) on free
// loopback ports in a temporary directory, and Debian's Chromium driven by
// playwright-core.  Everything started here is stopped by its PID.
//
//   const site = await startSite();                 // window open now
//   const closed = await startSite({ window: 'closed' });
//   const browser = await launchBrowser();
//   ...
//   await browser.close(); await site.stop();

import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));

export const ROOT = path.resolve(here, '../..');
export const MODULE = process.env.CONCERTATION_MODULE
    || path.join(ROOT, 'build/ngx_http_concertation_module.so');
export const SHOTS = process.env.BROWSER_SCREENSHOTS
    || path.join(ROOT, 'build/browser-screenshots');
export const AXE_PATH = path.join(here, 'node_modules/axe-core/axe.min.js');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A free loopback port: bind to 0, read it, release it.
export async function freePort() {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const { port } = srv.address();
    srv.close();
    await once(srv, 'close');
    return port;
}

async function canConnect(port) {
    return new Promise((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port });
        s.once('connect', () => { s.destroy(); resolve(true); });
        s.once('error', () => resolve(false));
    });
}

// Local time with its offset, as `date +%Y-%m-%dT%H:%M:%S%:z` prints it.
export function isoLocal(d) {
    const p = (n) => String(Math.trunc(Math.abs(n))).padStart(2, '0');
    const off = -d.getTimezoneOffset();
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`
        + `T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
        + `${off < 0 ? '-' : '+'}${p(off / 60)}:${p(off % 60)}`;
}

const DAY = 86400 * 1000;

// The window of run-dev.sh (yesterday to 60 days ahead), or one that is over
// or not yet open.
function windowFor(kind) {
    const now = Date.now();
    switch (kind) {
    case 'closed':
        return [new Date(now - 10 * DAY), new Date(now - DAY)];
    case 'before':
        return [new Date(now + DAY), new Date(now + 10 * DAY)];
    default:
        return [new Date(now - DAY), new Date(now + 60 * DAY)];
    }
}

// Whatever is still running when the test process ends (a test timed out,
// Ctrl-C) is stopped too, by PID.
const running = new Set();

function killRunning() {
    for (const c of running) {
        try {
            process.kill(c.pid, 'SIGTERM');
        } catch { /* gone already */ }
    }
    running.clear();
}

process.on('exit', killRunning);
for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
        killRunning();
        process.exit(130);
    });
}

function track(child) {
    running.add(child);
    child.once('exit', () => running.delete(child));
    return child;
}

// Stops a child by its PID: the signal, a bounded wait, then SIGKILL.
async function stopChild(child, signal) {
    if (child.exitCode !== null || child.signalCode !== null) {
        return;
    }
    const exited = once(child, 'exit');
    child.kill(signal);
    const done = await Promise.race([exited.then(() => true),
                                     sleep(5000).then(() => false)]);
    if (!done) {
        child.kill('SIGKILL');
        await Promise.race([exited, sleep(2000)]);
    }
}

export function redisCli(port, ...args) {
    return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port),
                                      '--raw', ...args],
                        { encoding: 'utf8', timeout: 5000,
                          stdio: ['ignore', 'pipe', 'pipe'] });
}

// XRANGE of a stream as [{id, fields: {...}}].
export function xrange(port, stream) {
    const out = execFileSync('redis-cli', ['-h', '127.0.0.1', '-p',
                                           String(port), '--json', 'XRANGE',
                                           stream, '-', '+'],
                             { encoding: 'utf8', timeout: 5000,
                          stdio: ['ignore', 'pipe', 'pipe'] });
    const list = out.trim() ? JSON.parse(out) : [];
    return list.map(([id, kv]) => {
        const fields = {};
        for (let i = 0; i < kv.length; i += 2) {
            fields[kv[i]] = kv[i + 1];
        }
        return { id, fields };
    });
}

// Starts redis-server and nginx; opts.window: 'open' (default), 'closed',
// 'before'.
export async function startSite(opts = {}) {
    if (!fs.existsSync(MODULE)) {
        throw new Error(`no module at ${MODULE} (make module, or set `
                        + 'CONCERTATION_MODULE)');
    }

    const run = fs.mkdtempSync(path.join(os.tmpdir(), 'concertation-browser-'));
    fs.mkdirSync(path.join(run, 'redis'));
    fs.mkdirSync(path.join(run, 'tmp'));

    const children = [];
    const site = { run, children };

    site.stop = async () => {
        for (const c of children.reverse()) {
            await stopChild(c.child, c.signal);
        }
        children.length = 0;
        if (!process.env.KEEP_BROWSER_RUN) {
            fs.rmSync(run, { recursive: true, force: true });
        }
    };

    try {
        site.redisPort = await freePort();
        const redis = spawn('redis-server', [
            '--bind', '127.0.0.1', '--port', String(site.redisPort),
            '--dir', path.join(run, 'redis'), '--save', '',
            '--appendonly', 'no', '--maxmemory-policy', 'noeviction',
            '--daemonize', 'no',
        ], { stdio: ['ignore', fs.openSync(path.join(run, 'redis.log'), 'a'),
                     'inherit'] });
        children.push({ child: track(redis), signal: 'SIGTERM' });
        // Redis gone: the module answers 503
        site.stopRedis = () => stopChild(redis, 'SIGTERM');

        for (let i = 0; ; i++) {
            try {
                if (redisCli(site.redisPort, 'PING').trim() === 'PONG') {
                    break;
                }
            } catch { /* not up yet */ }
            if (i >= 50 || redis.exitCode !== null) {
                throw new Error('redis-server did not start: '
                    + fs.readFileSync(path.join(run, 'redis.log'), 'utf8'));
            }
            await sleep(100);
        }

        site.port = await freePort();
        const [ws, we] = windowFor(opts.window);
        const secret = [...crypto.getRandomValues(new Uint8Array(24))]
            .map((b) => b.toString(16).padStart(2, '0')).join('');

        // what conf/run-dev.sh derives (conf/dev.overrides), with the
        // tests' own overrides
        const vars = {
            ROOT, RUN: run, MODULE, PORT: site.port,
            STATUS_PORT: await freePort(), REDIS_PORT: site.redisPort,
            WINDOW_START: isoLocal(ws), WINDOW_END: isoLocal(we),
        };
        fs.writeFileSync(path.join(run, 'secret.conf'),
                         `concertation_secret ${secret};\n`, { mode: 0o600 });
        const conf = execFileSync('perl', [
            path.join(ROOT, 'tools/conf-derive'),
            '-i', '/etc/nginx/sites-available/concertation='
                  + path.join(ROOT, 'conf/concertation.site.conf'),
            ...Object.entries(vars).flatMap(([k, v]) => ['-D', `${k}=${v}`]),
            path.join(ROOT, 'conf/nginx.prod.conf'),
            path.join(ROOT, 'conf/dev.overrides'),
            path.join(here, 'harness.overrides'),
        ], { encoding: 'utf8', timeout: 10000 });
        const confPath = path.join(run, 'nginx.conf');
        fs.writeFileSync(confPath, conf);
        site.window = [vars.WINDOW_START, vars.WINDOW_END];

        const err = path.join(run, 'error.log');
        execFileSync('nginx', ['-q', '-t', '-p', run, '-c', confPath,
                               '-e', err],
                     { stdio: 'inherit', timeout: 10000 });
        const nginx = spawn('nginx', ['-p', run, '-c', confPath, '-e', err,
                                      '-g', 'daemon off;'],
                            { stdio: ['ignore', 'inherit', 'inherit'] });
        children.push({ child: track(nginx), signal: 'SIGQUIT' });

        for (let i = 0; !(await canConnect(site.port)); i++) {
            if (i >= 100 || nginx.exitCode !== null) {
                throw new Error('nginx did not start: '
                                + fs.readFileSync(err, 'utf8'));
            }
            await sleep(50);
        }
        site.base = `http://127.0.0.1:${site.port}`;
        site.url = (p) => site.base + p;
        site.errorLog = () => fs.readFileSync(err, 'utf8');
    } catch (e) {
        await site.stop();
        throw e;
    }
    return site;
}

export async function launchBrowser() {
    return chromium.launch({
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
               '--no-first-run', '--disable-background-networking',
               '--disable-component-update', '--disable-sync'],
    });
}

// Every page of html/ that a visitor can reach (the contract of issue 5).
export const PAGES = [
    ['accueil', '/'],
    ['questionnaire', '/questionnaire.html'],
    ['inscription', '/inscription.html'],
    ['merci', '/merci.html?id=0190a000-0000-7000-8000-000000000000'],
    ['erreur', '/erreur.html'],
    ['consultation-a-venir', '/consultation-a-venir.html'],
    ['consultation-fermee', '/consultation-fermee.html'],
    ['donnees-personnelles', '/donnees-personnelles.html'],
    ['accessibilite', '/accessibilite.html'],
    ['404', '/404.html'],
    ['429', '/429.html'],
    ['50x', '/50x.html'],
];

export async function screenshot(page, name) {
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`),
                            fullPage: true });
}

// Runs axe-core inside the page.  The site's CSP forbids inline scripts,
// so the source is evaluated through the DevTools protocol rather than
// added as a <script> element.
const AXE_SOURCE = fs.readFileSync(AXE_PATH, 'utf8');

export async function axe(page) {
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
        await page.evaluate(AXE_SOURCE);
    }
    let timer;
    const limit = new Promise((resolve, reject) => {
        timer = setTimeout(() => reject(new Error('axe-core: no answer in 30 s'
                                                  + ' (JavaScript disabled?)')),
                           30000);
    });
    return Promise.race([limit, runAxe(page)])
        .finally(() => clearTimeout(timer));
}

// axe-core needs the page's event loop: in a context without JavaScript,
// the same HTML is checked in a page of a context with it, at the same
// origin (so that /css/site.css applies).
export async function axeWithoutJs(browser, site, page) {
    const html = await page.content();
    const ctx = await browser.newContext({ viewport: page.viewportSize() });
    try {
        const p = await ctx.newPage();
        await p.route('**/*.js', (route) => route.abort());
        await p.goto(site.url('/404.html'));
        await p.setContent(html.replace(/<script\b[^>]*>[^<]*<\/script>/g, ''),
                           { waitUntil: 'load' });
        return await axe(p);
    } finally {
        await ctx.close();
    }
}

function runAxe(page) {
    return page.evaluate(async () => {
        const r = await window.axe.run(document);
        return r.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5),
        }));
    });
}

// Nothing sticks out to the right: no horizontal scroll bar.
export async function horizontalOverflow(page) {
    return page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
        bodyScrollWidth: document.body.scrollWidth,
    }));
}
