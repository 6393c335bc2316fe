/* Concertation ESS — Région Normandie: progressive enhancement of the forms.
 * Without this script every form posts normally (the module answers with
 * French HTML pages) and every question is shown, a conditional one with
 * its condition in words. With it: questions that do not apply are hidden
 * (data-si, the module's own conditions), a ranking can be reordered with
 * buttons, required questions left empty are shown inline before sending
 * (data-requis, the module's own messages), submission by fetch, the
 * server's errors inline and in a summary, bounded retry on 503, one
 * request at a time and an idempotency key per form view, seats left read
 * live from /api/evenements. */
(function () {
    'use strict';

    var MAX_TRIES = 3;          /* in all, the first one included */
    var MAX_WAIT = 10;          /* seconds: Retry-After is capped to this */
    var DEFAULT_WAIT = 2;
    var SEATS_EVERY = 30000;    /* ms between two reads of the seats */

    if (!window.fetch || !window.URLSearchParams || !window.FormData) {
        return;                 /* old browser: the plain form works */
    }

    document.documentElement.classList.add('js');

    function uuid() {
        if (window.crypto && crypto.randomUUID) {
            return crypto.randomUUID();
        }
        var b = new Uint8Array(16), h = [], i;
        crypto.getRandomValues(b);
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        for (i = 0; i < 16; i++) {
            h.push((b[i] + 0x100).toString(16).slice(1));
        }
        h = h.join('');
        return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16)
            + '-' + h.slice(16, 20) + '-' + h.slice(20);
    }

    function el(tag, attrs, text) {
        var e = document.createElement(tag), k;
        for (k in attrs) {
            if (Object.prototype.hasOwnProperty.call(attrs, k)) {
                e.setAttribute(k, attrs[k]);
            }
        }
        if (text) {
            e.textContent = text;
        }
        return e;
    }

    /* the ids a field's inputs are described by, without one of ours */
    function describedBy(input, id, add) {
        var ids = (input.getAttribute('aria-describedby') || '').split(/\s+/)
            .filter(function (x) { return x && x !== id; });
        if (add) {
            ids.push(id);
        }
        if (ids.length) {
            input.setAttribute('aria-describedby', ids.join(' '));
        } else {
            input.removeAttribute('aria-describedby');
        }
    }

    function fieldInputs(form, name) {
        return Array.prototype.filter.call(form.elements, function (e) {
            return e.name === name;
        });
    }

    function labelOf(form, name, inputs) {
        var box = inputs[0].closest('fieldset'), l;
        if (box && (inputs[0].type === 'radio'
                    || (inputs[0].type === 'checkbox' && inputs.length > 1)))
        {
            l = box.querySelector('legend');
        } else {
            l = form.querySelector('label[for="' + inputs[0].id + '"]');
        }
        if (!l) {
            return name;
        }
        l = l.cloneNode(true);
        Array.prototype.forEach.call(l.querySelectorAll('.obligatoire'),
                                     function (o) { o.remove(); });
        return l.textContent.replace(/\s+/g, ' ').trim();
    }

    function clearErrors(form) {
        var s = form.querySelector('#resume-erreurs');
        if (s) {
            s.remove();
        }
        Array.prototype.forEach.call(form.querySelectorAll('p.erreur'),
            function (p) {
                var name = p.id.replace(/^erreur-/, '');
                fieldInputs(form, name).forEach(function (i) {
                    i.removeAttribute('aria-invalid');
                    describedBy(i, p.id, false);
                });
                var box = p.parentNode;
                box.classList.remove('champ-erreur');
                if (box.tagName === 'FIELDSET') {
                    describedBy(box, p.id, false);
                }
                p.remove();
            });
    }

    function showErrors(form, errors) {
        var summary, list, n = 0, first;

        clearErrors(form);

        list = el('ul');
        errors.forEach(function (e) {
            var inputs = e.field ? fieldInputs(form, e.field) : [];
            var msg = e.message || 'Cette réponse n\'est pas valide.';
            var li = el('li'), id, box, p, group, a;

            n++;

            if (!inputs.length) {
                li.textContent = msg;
                list.appendChild(li);
                return;
            }

            id = 'erreur-' + e.field;
            group = inputs.length > 1 || inputs[0].type === 'radio';
            box = group ? inputs[0].closest('fieldset')
                        : inputs[0].closest('.champ');
            box = box || inputs[0].parentNode;

            if (!document.getElementById(id)) {
                p = el('p', { 'class': 'erreur', id: id }, msg);
                if (box.tagName === 'FIELDSET') {
                    box.querySelector('legend').insertAdjacentElement(
                        'afterend', p);
                    describedBy(box, id, true);
                } else {
                    /* just above the input, below its label and hint */
                    var at = inputs[0];
                    while (at.parentNode !== box) {
                        at = at.parentNode;
                    }
                    box.insertBefore(p, at);
                }
                box.classList.add('champ-erreur');
            }

            inputs.forEach(function (i) {
                i.setAttribute('aria-invalid', 'true');
                if (!group) {
                    describedBy(i, id, true);
                }
            });

            a = el('a', { href: '#' + inputs[0].id },
                   labelOf(form, e.field, inputs) + '\u00a0: ' + msg);
            a.addEventListener('click', function (ev) {
                ev.preventDefault();
                inputs[0].focus();
            });
            li.appendChild(a);
            list.appendChild(li);
            first = first || inputs[0];
        });

        summary = el('div', { 'class': 'resume-erreurs', id: 'resume-erreurs',
                              tabindex: '-1',
                              'aria-labelledby': 'resume-erreurs-titre' });
        summary.appendChild(el('h2', { id: 'resume-erreurs-titre' },
            (form.id === 'inscription'
                ? 'Votre inscription n\'a pas été enregistrée\u00a0: '
                : 'Votre réponse n\'a pas été enregistrée\u00a0: ')
            + n + (n > 1 ? ' erreurs à corriger' : ' erreur à corriger')));
        summary.appendChild(list);
        form.insertBefore(summary, form.firstChild);
        summary.focus();
    }

    function status(form, text) {
        var s = form.querySelector('.etat-envoi');
        if (!s) {
            s = el('p', { 'class': 'etat-envoi', id: 'etat-' + form.id,
                          role: 'status' });
            var b = form.querySelector('button[type="submit"]');
            b.parentNode.parentNode.insertBefore(s, b.parentNode);
        }
        s.textContent = text || '';
    }

    function busy(form, on) {
        var b = form.querySelector('button[type="submit"]');
        b.disabled = on;
        if (on) {
            b.setAttribute('aria-disabled', 'true');
        } else {
            b.removeAttribute('aria-disabled');
        }
    }

    function success(form, res, data) {
        form.setAttribute('data-etat', 'ok');
        if (res.redirected) {
            location.assign(res.url);
            return;
        }
        location.assign((form.getAttribute('data-merci') || '/merci.html')
                        + (data && data.id
                           ? '?id=' + encodeURIComponent(data.id) : ''));
    }

    function giveUp(form, text) {
        form.setAttribute('data-etat', 'echec');
        busy(form, false);
        status(form, text + ' Votre saisie est conservée\u00a0: vous pouvez '
               + 'renvoyer le formulaire dans quelques minutes.');
    }

    function send(form, body, tries) {
        form.setAttribute('data-etat', 'envoi');
        status(form, 'Envoi en cours…');

        fetch(form.action, {
            method: 'POST',
            body: body,
            credentials: 'same-origin',
            headers: {
                'Accept': 'application/json',
                'Content-Type': 'application/x-www-form-urlencoded'
            }
        }).then(function (res) {
            if (res.status === 503) {
                if (tries >= MAX_TRIES) {
                    giveUp(form, 'Votre envoi n\'a pas pu aboutir\u00a0: le '
                           + 'service est momentanément surchargé.');
                    return;
                }
                var wait = parseInt(res.headers.get('Retry-After'), 10);
                if (!(wait >= 0)) {
                    wait = DEFAULT_WAIT;
                }
                wait = Math.min(Math.max(wait, 1), MAX_WAIT);
                form.setAttribute('data-etat', 'attente');
                status(form, 'Le service est momentanément surchargé. '
                       + 'Nouvel essai automatique dans ' + wait + '\u00a0s '
                       + '(essai ' + (tries + 1) + ' sur ' + MAX_TRIES
                       + ').');
                setTimeout(function () { send(form, body, tries + 1); },
                           wait * 1000);
                return;
            }

            return res.text().then(function (text) {
                var data = null;
                try {
                    data = JSON.parse(text);
                } catch (e) {
                    data = null;
                }

                if (res.ok || res.redirected) {
                    success(form, res, data);
                    return;
                }

                busy(form, false);
                status(form, '');

                if (data && data.errors && data.errors.length) {
                    form.setAttribute('data-etat', 'erreurs');
                    showErrors(form, data.errors);
                    return;
                }

                form.setAttribute('data-etat', 'erreurs');
                showErrors(form, [{ field: null, message: res.status === 429
                    ? 'Trop d\'envois depuis votre connexion. Patientez '
                      + 'quelques minutes avant de renvoyer le formulaire.'
                    : 'Votre envoi n\'a pas pu être traité (erreur '
                      + res.status + '). Réessayez dans quelques minutes.' }]);
            });
        }).catch(function () {
            giveUp(form, 'Votre envoi n\'a pas pu aboutir\u00a0: la connexion '
                   + 'au serveur a échoué.');
        });
    }

    /* ---- conditions: a question or a section applies, or is hidden and
       its controls disabled (neither sent nor checked) */

    function condTrue(form, c) {
        if (c.all) {
            return c.all.every(function (x) { return condTrue(form, x); });
        }
        if (c.any) {
            return c.any.some(function (x) { return condTrue(form, x); });
        }
        return fieldInputs(form, c.field).some(function (i) {
            if (i.disabled) {
                return false;
            }
            if (i.type === 'radio' || i.type === 'checkbox') {
                return i.checked && c.in.indexOf(i.value) >= 0;
            }
            return i.tagName === 'SELECT' && c.in.indexOf(i.value) >= 0;
        });
    }

    function applyConditions(form) {
        /* in document order: what a condition reads is decided before it */
        Array.prototype.forEach.call(form.querySelectorAll('[data-si]'),
            function (box) {
                var c;
                try {
                    c = JSON.parse(box.getAttribute('data-si'));
                } catch (e) {
                    return;
                }
                box.hidden = !condTrue(form, c);
                Array.prototype.forEach.call(
                    box.querySelectorAll('input, select, textarea'),
                    function (i) {
                        i.disabled = !!i.closest('[data-si][hidden]');
                    });
            });
    }

    /* ---- rankings: each rank's list box, buttons to move a choice up or
       down, a choice taken by one rank greyed out in the others */

    function rankingState(ol) {
        var boxes = ol.querySelectorAll('select'), taken = {};
        Array.prototype.forEach.call(boxes, function (b) {
            if (b.value) {
                taken[b.value] = (taken[b.value] || 0) + 1;
            }
        });
        Array.prototype.forEach.call(boxes, function (b) {
            Array.prototype.forEach.call(b.options, function (o) {
                o.disabled = !!o.value && o.value !== b.value && !!taken[o.value];
            });
        });
    }

    function enhanceRanking(ol) {
        var items = ol.querySelectorAll('li'), live;

        live = el('p', { 'class': 'annonce', role: 'status' });
        ol.parentNode.insertBefore(live, ol.nextSibling);

        Array.prototype.forEach.call(items, function (li, k) {
            [['up', 'Monter', k - 1], ['down', 'Descendre', k + 1]]
                .forEach(function (d) {
                    var b;
                    if (d[2] < 0 || d[2] >= items.length) {
                        return;
                    }
                    b = el('button', { type: 'button', 'class': 'rang-' + d[0],
                                       'aria-label': d[1] + ' le choix '
                                                     + (k + 1) },
                           d[1]);
                    b.addEventListener('click', function () {
                        var a = li.querySelector('select');
                        var other = items[d[2]].querySelector('select');
                        var v = a.value;
                        a.value = other.value;
                        other.value = v;
                        rankingState(ol);
                        live.textContent = (other.value
                            ? other.options[other.selectedIndex].text
                              + '\u00a0: choix ' + (d[2] + 1)
                            : '');
                        items[d[2]].querySelector('.rang-' + d[0]
                            + ', button').focus();
                    });
                    li.appendChild(b);
                });
        });

        ol.addEventListener('change', function () { rankingState(ol); });
        rankingState(ol);
    }

    /* ---- required questions left empty, before anything is sent */

    function missing(form) {
        var errors = [];
        Array.prototype.forEach.call(form.querySelectorAll('[data-requis]'),
            function (box) {
                var name = box.getAttribute('data-nom');
                var inputs = fieldInputs(form, name).filter(function (i) {
                    return !i.disabled;
                });
                if (!inputs.length || box.closest('[hidden]')) {
                    return;
                }
                if (inputs.every(function (i) {
                    return (i.type === 'radio' || i.type === 'checkbox')
                        ? !i.checked : !i.value.trim();
                })) {
                    errors.push({ field: name,
                                  message: box.getAttribute('data-requis') });
                }
            });
        return errors;
    }

    function enhance(form) {
        var key = form.querySelector('input[name="_idempotency_key"]');

        applyConditions(form);
        form.addEventListener('change', function () { applyConditions(form); });
        Array.prototype.forEach.call(form.querySelectorAll('ol.classement'),
                                     enhanceRanking);

        if (!key) {
            key = el('input', { type: 'hidden', name: '_idempotency_key' });
            form.appendChild(key);
        }
        /* the server's (SSI) key if it is one, else one of our own */
        if (!/^[\x21-\x7e]{1,255}$/.test(key.value)) {
            key.value = uuid();
        }

        /* the server's checks, shown inline and in the summary, replace the
           browser's bubbles: they name the field and say how to fix it */
        form.noValidate = true;

        form.addEventListener('submit', function (ev) {
            var errors;
            /* "save and come back later": the plain post, whose page shows
               the link to keep */
            if (ev.submitter && ev.submitter.name === '_brouillon') {
                return;
            }
            ev.preventDefault();
            if (form.getAttribute('data-etat') === 'envoi'
                || form.getAttribute('data-etat') === 'attente'
                || form.getAttribute('data-etat') === 'ok')
            {
                return;         /* a double click sends only once */
            }
            errors = missing(form);
            if (errors.length) {
                form.setAttribute('data-etat', 'erreurs');
                showErrors(form, errors);
                return;
            }
            busy(form, true);
            /* a registration's answer is a page of its own (confirmed,
               waiting list, or full with the events left): the plain post
               shows it, once */
            if (form.hasAttribute('data-envoi-natif')) {
                form.setAttribute('data-etat', 'envoi');
                HTMLFormElement.prototype.submit.call(form);
                return;
            }
            send(form, new URLSearchParams(new FormData(form)).toString(), 1);
        });
    }

    /* seats left on the registration page */

    function seatsText(e) {
        if (e.open === false) {
            return 'Inscriptions closes';
        }
        if (e.seats_left === null || e.seats_left === undefined) {
            return 'places limitées';
        }
        if (e.seats_left > 0) {
            return e.seats_left + (e.seats_left > 1 ? ' places restantes'
                                                    : ' place restante');
        }
        if (e.waitlist_left > 0) {
            return 'Complet\u00a0: liste d\'attente, ' + e.waitlist_left
                + (e.waitlist_left > 1 ? ' places' : ' place');
        }
        return 'Complet';
    }

    function showSeats(data) {
        (data.events || []).forEach(function (e) {
            var li = document.querySelector('[data-evenement="' + e.id + '"]');
            var span = document.querySelector('[data-places="' + e.id + '"]');
            var radio = document.querySelector(
                'input[name="evenement"][value="' + e.id + '"]');
            var closed = e.full === true || e.open === false;
            var label;

            if (span) {
                span.textContent = seatsText(e);
            }
            if (li) {
                li.classList.toggle('complet', e.full === true);
                li.setAttribute('data-complet', e.full === true ? 'true'
                                                                : 'false');
            }
            if (radio) {
                radio.disabled = closed && !radio.checked;
                label = document.querySelector('label[for="' + radio.id
                                               + '"]');
                if (label && !label.querySelector('.etat-evenement')) {
                    label.appendChild(el('span', { 'class': 'etat-evenement' }));
                }
                label = label && label.querySelector('.etat-evenement');
                if (label) {
                    label.textContent = e.full === true ? ' (complet)'
                                      : e.open === false ? ' (clos)' : '';
                }
            }
        });
    }

    function seats() {
        if (document.hidden) {
            return;
        }
        fetch('/api/evenements', { headers: { 'Accept': 'application/json' },
                                   credentials: 'same-origin' })
            .then(function (res) { return res.ok ? res.json() : null; })
            .then(function (data) {
                if (data) {
                    showSeats(data);
                }
            })
            .catch(function () { /* the static text stays */ });
    }

    function start() {
        Array.prototype.forEach.call(
            document.querySelectorAll('form[data-formulaire]'), enhance);

        if (document.querySelector('[data-places]')) {
            seats();
            setInterval(seats, SEATS_EVERY);
        }
    }

    if (document.readyState === 'loading') {
        document.addEventListener('DOMContentLoaded', start);
    } else {
        start();
    }
}());
