/*
 * Klankbord: the participation sign-up form (issue #16), loaded by
 * kiosk/signup.js only when a survey offers it, so the first screen stays
 * small.  window.klankbordSignupForm(container, info) takes the arguments of
 * window.klankbordSignup.
 *
 * This step is NOT anonymous, and the screen says so. It is kept apart from
 * the answers just given: its own request to POST /api/participants, sent a
 * random few seconds later, carrying no survey, answer or submission id and
 * no cookie. The consent text, its version and the choices come from GET
 * /api/participants (surveys/consent.json on the server).
 */
(function () {
  'use strict';

  var W = window, D = document;
  var DELAY_MIN_MS = 3000, DELAY_SPAN_MS = 6000;

  function el(tag, props, kids) {
    var e = D.createElement(tag), k, v;
    for (k in props || {}) {
      v = props[k];
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    [].concat(kids || []).forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      e.appendChild(typeof c === 'string' ? D.createTextNode(c) : c);
    });
    return e;
  }

  /* A few seconds, not predictable: the sign-up must not arrive in step
   * with the response before it. */
  function randomDelay() {
    var a = new Uint32Array(1);
    (W.crypto || W.msCrypto).getRandomValues(a);
    return DELAY_MIN_MS + (a[0] % DELAY_SPAN_MS);
  }

  function pick(obj, lang) {
    if (!obj) return '';
    return obj[lang] || obj.nl || '';
  }

  function checkboxGroup(name, legend, items, lang, hint) {
    var kids = [el('legend', { text: legend })];
    if (hint) kids.push(el('p', { 'class': 'su-hint', text: hint }));
    items.forEach(function (it) {
      var id = 'su-' + name + '-' + it.id;
      kids.push(el('div', { 'class': 'su-check' }, [
        el('input', { type: 'checkbox', id: id, name: name, value: it.id }),
        el('label', { 'for': id, text: pick(it.text, lang) })
      ]));
    });
    return el('fieldset', { 'class': 'su-group', id: 'su-' + name }, kids);
  }

  function field(id, label, input, hint) {
    return el('div', { 'class': 'su-field', id: id + '-wrap' }, [
      el('label', { 'for': id, text: label }),
      hint ? el('p', { 'class': 'su-hint', id: id + '-hint', text: hint }) : null,
      input
    ]);
  }

  function checked(form, name) {
    var out = [];
    [].forEach.call(form.querySelectorAll('input[name="' + name + '"]:checked'),
      function (i) { out.push(i.value); });
    return out;
  }

  /* Where the server's field name points on this form. */
  var FIELD_FOCUS = { name: 'su-name', phone: 'su-phone', email: 'su-email',
    ways: 'su-ways', topics: 'su-topics', languages: 'su-languages',
    consent: 'su-agree', consent_version: 'su-agree', lang: 'su-name' };

  function build(box, c, lang, kiosk) {
    var T = function (k) { return pick(c.texts[k], lang); };
    var status = el('p', { 'class': 'su-status', role: 'status', id: 'su-status' });
    var error = el('p', { 'class': 'su-error', role: 'alert', id: 'su-error', hidden: true });
    var name = el('input', { type: 'text', id: 'su-name', name: 'name', maxlength: 40,
      autocomplete: kiosk ? 'off' : 'given-name', 'aria-describedby': 'su-name-hint', required: true });
    var phone = el('input', { type: 'tel', id: 'su-phone', name: 'phone', inputmode: 'tel',
      maxlength: 20, autocomplete: kiosk ? 'off' : 'tel', 'aria-describedby': 'su-contact-hint' });
    var email = el('input', { type: 'email', id: 'su-email', name: 'email', maxlength: 254,
      autocomplete: kiosk ? 'off' : 'email', 'aria-describedby': 'su-contact-hint' });
    var agree = el('input', { type: 'checkbox', id: 'su-agree', name: 'consent', required: true });
    var form;

    function fail(fieldName, message) {
      var target = D.getElementById(FIELD_FOCUS[fieldName] || 'su-name');
      [].forEach.call(form.querySelectorAll('[aria-invalid]'), function (e) {
        e.removeAttribute('aria-invalid');
      });
      error.textContent = T('error') + (message ? ' (' + message + ')' : '');
      error.hidden = false;
      if (target) {
        if (target.tagName === 'INPUT') target.setAttribute('aria-invalid', 'true');
        var f = target.tagName === 'FIELDSET' ? target.querySelector('input') : target;
        if (f) f.focus();
      }
    }

    function done(withdraw) {
      var kids = [el('h2', { id: 'su-done-h', tabindex: '-1', text: T('title') }),
        el('p', { 'class': 'su-sent', id: 'su-sent', text: T('sent') })];
      /* On a shared kiosk the next person must not get this link. */
      if (withdraw && !kiosk) {
        kids.push(el('p', { 'class': 'su-withdraw' }, [T('withdraw_link') + ' ',
          el('a', { href: withdraw, id: 'su-withdraw-link', rel: 'noreferrer', text: withdraw })]));
      }
      box.replaceChildren(el('section', { 'class': 'su su-done', 'aria-labelledby': 'su-done-h' }, kids));
      var hd = D.getElementById('su-done-h');
      if (hd) hd.focus();
    }

    function send(body) {
      status.textContent = T('send') + '…';
      W.setTimeout(function () {
        W.fetch('/api/participants', {
          method: 'POST', credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer',
          headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body)
        }).then(function (res) {
          return res.json().catch(function () { return {}; }).then(function (j) {
            if (res.status === 201) { done(j.withdraw); return; }
            status.textContent = '';
            submit.disabled = false;
            fail(j.field, j.message);
          });
        }).catch(function () {
          status.textContent = '';
          submit.disabled = false;
          fail(null, '');
        });
      }, randomDelay());
    }

    function onSubmit(ev) {
      ev.preventDefault();
      error.hidden = true;
      var body = {
        consent_version: c.version,
        consent: agree.checked,
        name: name.value.trim(),
        ways: checked(form, 'ways'),
        topics: checked(form, 'topics'),
        languages: checked(form, 'languages'),
        lang: lang
      };
      if (phone.value.trim()) body.phone = phone.value.trim();
      if (email.value.trim()) body.email = email.value.trim();
      /* The same rules as the server, so most mistakes show at once. */
      if (!body.name) return fail('name');
      if (!body.phone && !body.email) return fail('phone');
      if (body.phone && body.email) return fail('email');
      if (body.ways.length === 0) return fail('ways');
      if (!body.consent) return fail('consent');
      submit.disabled = true;
      send(body);
    }

    var submit = el('button', { type: 'submit', 'class': 'btn primary su-send', id: 'su-send', text: T('send') });
    form = el('form', { 'class': 'su-form', id: 'su-form', novalidate: true, onsubmit: onSubmit }, [
      field('su-name', T('name'), name, T('name_hint')),
      el('fieldset', { 'class': 'su-group', id: 'su-contact' }, [
        el('legend', { text: T('contact') }),
        el('p', { 'class': 'su-hint', id: 'su-contact-hint', text: T('contact_hint') }),
        field('su-phone', T('phone'), phone),
        field('su-email', T('email'), email)
      ]),
      checkboxGroup('ways', T('ways'), c.ways, lang),
      checkboxGroup('topics', T('topics'), c.topics, lang),
      checkboxGroup('languages', T('spoken'), c.spoken, lang),
      el('p', { 'class': 'su-consent', id: 'su-consent-text', text: T('consent') }),
      el('div', { 'class': 'su-check su-agree' }, [
        agree, el('label', { 'for': 'su-agree', text: T('agree') })
      ]),
      error,
      el('div', { 'class': 'su-buttons' }, [
        submit,
        el('button', { type: 'button', 'class': 'btn su-skip', id: 'su-skip', text: T('skip'),
          onclick: function () { box.replaceChildren(); } })
      ]),
      status
    ]);
    box.replaceChildren(el('section', { 'class': 'su', 'aria-labelledby': 'su-h' }, [
      el('h2', { id: 'su-h', text: T('title') }),
      el('p', { 'class': 'su-warn', id: 'su-warn' }, [el('strong', { text: T('not_anonymous') })]),
      el('p', { 'class': 'su-intro', text: T('answers_stay') }),
      el('p', { 'class': 'su-intro', text: T('intro') }),
      form
    ]));
  }

  W.klankbordSignupForm = function (box, a, b) {
    var info = a && a.survey ? a : { survey: a, lang: b };
    var lang = info.lang || 'nl';
    var kiosk = info.kiosk !== undefined ? !!info.kiosk :
      /^\/kiosk\//.test(W.location.pathname);
    if (!box || !info.survey || !info.survey.signup) return;
    W.fetch('/api/participants', { credentials: 'omit', cache: 'no-store' })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (c) {
        if (!c || !c.texts) return;
        if ((c.languages || []).indexOf(lang) < 0) lang = 'nl';
        build(box, c, lang, kiosk);
      })
      .catch(function () { /* no sign-up offered when it cannot load */ });
  };
})();
