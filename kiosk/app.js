/*
 * Klankbord respondent app: phone mode (QR code, SMS link) and kiosk mode.
 *
 * The server puts a JSON block <script type="application/json" id="kb-config">
 * into app.html with the survey definition ("def") and the interface texts of
 * its languages ("i18n", from surveys/i18n/LL.json), so the first screen needs
 * no second request; without "def" the script fetches /api/surveys/{id}. It
 * shows one question per screen and posts the finished response to
 * /api/responses. A response that cannot be sent waits in the
 * localStorage queue "kb-queue" (the only thing kept in the browser) and is
 * sent when the server is reachable again, once, thanks to its submission_id.
 * Kiosk mode clears every answer after the thank-you screen and after a
 * period without a touch.
 *
 * Read-aloud uses the browser's voice for the language when it has one, else
 * the server's audio from /api/speech?survey=ID&lang=LL&text=KEY.
 *
 * Sign-up hook: after the thank-you screen of a survey with "signup": true,
 * window.klankbordSignup(container, info) is called when a script defined it;
 * container is an empty <div id="signup"> on that screen, info is
 * {survey, lang, kiosk, t} (t(key) gives an interface text).
 */
(function () {
  'use strict';

  var W = window, D = document;
  var cfg = readConfig();
  var WORDS = cfg.i18n || {};
  var NAMES = cfg.names || {};
  var RTL = { ar: 1, fa: 1, he: 1, ur: 1, ps: 1, ckb: 1 };
  Object.keys(cfg.dirs || {}).forEach(function (l) { RTL[l] = cfg.dirs[l] === 'rtl' ? 1 : 0; });
  var VOICE = { nl: 'nl-NL', en: 'en-GB', de: 'de-DE', fr: 'fr-FR', es: 'es-ES',
    pt: 'pt-PT', it: 'it-IT', pl: 'pl-PL', tr: 'tr-TR', ar: 'ar-SA', uk: 'uk-UA' };
  var QKEY = 'kb-queue';
  var GRACE_S = 15;              /* "are you still there?" until reset */
  var THANKS_S = 30;             /* kiosk: thank-you screen (help numbers) until reset */
  var BACKOFF_MIN = 5000, BACKOFF_MAX = 300000;
  var PERMANENT = { 400: 1, 404: 1, 409: 1, 410: 1, 413: 1, 422: 1 };
  var SVGNS = 'http://www.w3.org/2000/svg';

  var kiosk = cfg.mode === 'kiosk';
  var survey = null, byId = {};
  var st = null;                 /* {screen, qid, lang, answers, sid} */
  var app = D.getElementById('app');
  var live = null;               /* polite announcements */
  var overlay = null, idleT = 0, graceT = 0, thanksT = 0, loadT = 0;
  var player = null;             /* server audio being played */
  var firstRender = true, booting = false;

  /* ---------- configuration ---------- */

  function readConfig() {
    var c = {}, el = D.getElementById('kb-config');
    if (el) {
      try { c = JSON.parse(el.textContent) || {}; } catch (e) { c = {}; }
    }
    c.mode = c.mode === 'kiosk' ? 'kiosk' : 'phone';
    if (!c.channel) c.channel = c.mode === 'kiosk' ? 'kiosk' : 'qr';
    var idle = parseInt(c.idle_seconds, 10);
    if (!(idle > 0)) idle = 60;
    if (c.mode === 'kiosk') {
      /* ?idle=N on the kiosk page overrides it (for testing and tuning). */
      var m = /[?&]idle=(\d+)/.exec(W.location.search);
      if (m) idle = Math.min(600, Math.max(2, parseInt(m[1], 10)));
    }
    c.idle = idle;
    return c;
  }

  /* ---------- small helpers ---------- */

  function h(tag, props, kids) {
    var e = D.createElement(tag), k, v;
    for (k in props || {}) {
      v = props[k];
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    add(e, kids);
    return e;
  }

  function add(e, kids) {
    if (kids === null || kids === undefined || kids === false) return;
    if (Array.isArray(kids)) { kids.forEach(function (k) { add(e, k); }); return; }
    e.appendChild(typeof kids === 'string' ? D.createTextNode(kids) : kids);
  }

  function svg(tag, attrs, kids) {
    var e = D.createElementNS(SVGNS, tag), k;
    for (k in attrs) e.setAttribute(k, attrs[k]);
    (kids || []).forEach(function (c) { e.appendChild(c); });
    return e;
  }

  function icon(paths, cls) {
    return svg('svg', { viewBox: '0 0 24 24', 'aria-hidden': 'true', focusable: 'false',
      'class': 'ico ' + (cls || '') }, paths.map(function (d) {
      return svg('path', { d: d });
    }));
  }

  var ICON = {
    speaker: ['M4 9h4l5-4v14l-5-4H4z', 'M16.5 8.5a5 5 0 0 1 0 7', 'M19 6a8.5 8.5 0 0 1 0 12'],
    stop: ['M7 7h10v10H7z'],
    next: ['M9 5l7 7-7 7'],
    back: ['M15 5l-7 7 7 7'],
    lock: ['M6 11h12v9H6z', 'M9 11V8a3 3 0 0 1 6 0v3'],
    clock: ['M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z', 'M12 7v5l3 2'],
    phoneoff: ['M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2z', 'M3 3l18 18'],
    phone: ['M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2z'],
    check: ['M5 12.5l4.5 4.5L19 7']
  };

  function fmt(s, vars) {
    return String(s).replace(/\{(\w+)\}/g, function (m, k) {
      return vars && vars[k] !== undefined ? vars[k] : m;
    });
  }

  /* An interface word in the current language. */
  function t(key, vars) {
    var lang = st ? st.lang : (cfg.lang || 'nl'), chain = [WORDS[lang], WORDS.en, WORDS.nl], i;
    for (i = 0; i < chain.length; i++) {
      if (chain[i] && chain[i][key] !== undefined) {
        return typeof chain[i][key] === 'string' ? fmt(chain[i][key], vars) : chain[i][key];
      }
    }
    return key;
  }

  /* A text from the survey definition in the current language. */
  function L(obj) {
    if (obj === null || obj === undefined) return '';
    if (typeof obj !== 'object') return String(obj);
    if (st && obj[st.lang] !== undefined) return obj[st.lang];
    if (survey && obj[survey.languages[0]] !== undefined) return obj[survey.languages[0]];
    for (var k in obj) return obj[k];
    return '';
  }

  function uuid() {
    var c = W.crypto;
    if (c && typeof c.randomUUID === 'function') {
      try { return c.randomUUID(); } catch (e) { /* insecure context */ }
    }
    var b = new Uint8Array(16), i, s = '';
    c.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    for (i = 0; i < 16; i++) {
      s += (b[i] + 0x100).toString(16).slice(1);
      if (i === 3 || i === 5 || i === 7 || i === 9) s += '-';
    }
    return s;
  }

  function announce(text) {
    if (!live) return;
    live.textContent = '';
    W.setTimeout(function () { if (live) live.textContent = text; }, 60);
  }

  /* ---------- survey logic ---------- */

  function defaultLang() {
    var langs = survey.languages;
    return cfg.lang && langs.indexOf(cfg.lang) >= 0 ? cfg.lang : langs[0];
  }

  function sameValue(a, b) {
    return a === b || (a !== null && b !== null && typeof a !== 'object' &&
      typeof b !== 'object' && String(a) === String(b) && typeof a === typeof b);
  }

  function visible(q) {
    var si = q.show_if;
    if (!si) return true;
    var dep = byId[si.question];
    if (!dep || !visible(dep)) return false;
    var a = st.answers[dep.id];
    if (a === undefined) return false;
    if (Array.isArray(a)) {
      return a.some(function (x) { return sameValue(x, si.equals); });
    }
    return sameValue(a, si.equals);
  }

  function visibleList() {
    return survey.questions.filter(visible);
  }

  function answered(q) {
    var a = st.answers[q.id];
    if (a === undefined || a === null) return false;
    if (q.type === 'text') return String(a).trim() !== '';
    if (q.type === 'multi') return a.length > 0;
    return true;
  }

  /* The answers to send: visible, answered questions only. */
  function collect() {
    var out = {};
    visibleList().forEach(function (q) {
      if (!answered(q)) return;
      var a = st.answers[q.id];
      if (q.type === 'text') a = String(a).trim();
      else if (q.type === 'multi') a = a.slice();
      out[q.id] = a;
    });
    return out;
  }

  /* ---------- state and screens ---------- */

  function fresh() {
    st = { screen: 'start', qid: null, lang: defaultLang(), answers: {}, sid: null };
    setLang(st.lang);
  }

  function setLang(lang) {
    st.lang = lang;
    var root = D.documentElement;
    root.lang = lang;
    root.dir = RTL[lang] ? 'rtl' : 'ltr';
    if (survey) D.title = L(survey.title) + ' – Klankbord';
  }

  function pristine() {
    return st.screen === 'start' && st.lang === defaultLang();
  }

  function render(focusEl) {
    stopSpeech();
    W.clearTimeout(thanksT);
    var main;
    if (st.screen === 'start') main = screenStart();
    else if (st.screen === 'q') main = screenQuestion();
    else main = screenThanks();
    app.replaceChildren(topBar(main), main);
    W.scrollTo(0, 0);
    var target = focusEl && focusEl() || main.querySelector('h1');
    if (!firstRender && target) target.focus();
    firstRender = false;
    armIdle();
    if (st.screen === 'thanks') {
      queueStatus();
      if (kiosk) thanksCountdown(THANKS_S);
      signupHook();
    }
  }

  function topBar(main) {
    var kids = [];
    var where = L(cfg.location_name);
    if (where) kids.push(h('p', { 'class': 'where', text: where }));
    var btns = [];
    if (st.screen !== 'thanks') {
      btns.push(h('button', { type: 'button', 'class': 'btn helpbtn', id: 'helpbtn',
        'aria-haspopup': 'dialog', onclick: function () { showHelp(); } },
        [icon(ICON.phone), h('span', { text: t('helpButton') })]));
    }
    btns.push(h('button', { type: 'button', 'class': 'btn read', id: 'read', 'aria-pressed': 'false',
      onclick: function () { toggleSpeech(main); } },
      [icon(ICON.speaker), h('span', { text: t('readAloud') })]));
    kids.push(h('div', { 'class': 'bar-btns' }, btns));
    return h('header', { 'class': 'bar' }, kids);
  }

  function screenStart() {
    var langs = survey.languages, mins = parseInt(survey.minutes, 10);
    var facts = [
      [ICON.lock, t('anonymous')],
      mins > 0 ? [ICON.clock, mins === 1 ? t('minutes1') : t('minutes', { n: mins })] : null,
      [ICON.phoneoff, t('noCallback')]
    ].filter(Boolean).map(function (f) {
      return h('li', { 'class': 'say' }, [icon(f[0]), h('span', { text: f[1] })]);
    });
    var langBox = null;
    if (langs.length > 1) {
      var label = langs.map(function (l) { return (WORDS[l] || {}).language; })
        .filter(Boolean).filter(function (v, i, a) { return a.indexOf(v) === i; }).join(' / ');
      langBox = h('div', { 'class': 'langs', role: 'group', 'aria-labelledby': 'lang-label' }, [
        h('p', { id: 'lang-label', 'class': 'langs-label', text: label || t('language') }),
        h('div', { 'class': 'lang-row' }, langs.map(function (l) {
          return h('button', { type: 'button', 'class': 'btn lang', lang: l,
            dir: RTL[l] ? 'rtl' : 'ltr', 'aria-pressed': l === st.lang ? 'true' : 'false',
            'data-lang': l, text: NAMES[l] || l,
            onclick: function () {
              if (l === st.lang) return;
              setLang(l);
              render(function () { return app.querySelector('[data-lang="' + l + '"]'); });
            } });
        }))
      ]);
    }
    return h('main', { id: 'main', 'class': 'screen start' }, [
      h('h1', { tabindex: '-1', 'class': 'say', text: L(survey.title) }),
      langBox,
      h('p', { 'class': 'intro say', text: L(survey.intro) }),
      h('ul', { 'class': 'facts' }, facts),
      h('div', { 'class': 'nav' }, [
        h('button', { type: 'button', 'class': 'btn primary go', id: 'start',
          onclick: function () { go(visibleList()[0]); } },
          [h('span', { text: t('start') }), icon(ICON.next)])
      ]),
      optOutBox()
    ]);
  }

  /*
   * Reached by SMS: an alphanumeric sender cannot receive STOP, so the first
   * page offers "no more messages", which opts the number out by the token.
   */
  function optOutBox() {
    if (!cfg.optout || !cfg.token || cfg.channel !== 'sms') return null;
    var box = h('div', { 'class': 'optout' });
    if (st.optedOut) {
      add(box, h('p', { role: 'status', text: t('optOutDone') }));
      return box;
    }
    var msg = h('p', { 'class': 'optout-msg', role: 'status' });
    var btn = h('button', { type: 'button', 'class': 'btn optout-btn', id: 'optout',
      text: t('optOut'),
      onclick: function () {
        btn.disabled = true;
        W.fetch('/api/optout', { method: 'POST', cache: 'no-store',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ token: cfg.token }) })
          .then(function (res) {
            if (res.status !== 204) throw new Error('status ' + res.status);
            st.optedOut = true;
            msg.textContent = t('optOutDone');
            btn.remove();
          })
          .catch(function () {
            btn.disabled = false;
            msg.textContent = t('optOutFailed');
          });
      } });
    add(box, [h('p', { text: t('optOutText') }), btn, msg]);
    return box;
  }

  function go(q) {
    if (!q) { submit(); return; }
    st.screen = 'q';
    st.qid = q.id;
    render();
  }

  function options(q) {
    var n, i, out = [];
    switch (q.type) {
      case 'smiley':
        n = q.faces === 4 ? 4 : 5;
        var labels = t(n === 4 ? 'faces4' : 'faces5');
        for (i = 1; i <= n; i++) out.push({ v: i, label: labels[i - 1], face: face(i, n) });
        return out;
      case 'grade':
        for (i = 1; i <= 10; i++) out.push({ v: i, label: String(i) });
        return out;
      case 'scale':
        for (i = q.min; i <= q.max; i++) out.push({ v: i, label: String(i) });
        return out;
      case 'yesno':
        return [{ v: true, label: t('yes') }, { v: false, label: t('no') }];
      default:
        return (q.options || []).map(function (o) { return { v: o.id, label: L(o.text) }; });
    }
  }

  function defaultHint(q) {
    if (q.type === 'multi') return t('multiHint');
    if (q.type === 'grade') return t('gradeHint');
    if (q.type === 'scale') return t('scaleHint', { min: q.min, max: q.max });
    return '';
  }

  function screenQuestion() {
    var q = byId[st.qid];
    var pos = survey.questions.indexOf(q), total = survey.questions.length;
    var hint = q.hint ? L(q.hint) : defaultHint(q);
    var desc = [hint ? 'q-hint' : null, q.required ? null : 'q-opt', 'q-error'];
    var widget = q.type === 'text' ? textWidget(q, desc) : choiceWidget(q, desc);
    var prog = h('progress', { id: 'q-bar', max: total, value: pos + 1,
      'aria-labelledby': 'q-prog' });
    var progText = h('p', { id: 'q-prog', 'class': 'prog-text',
      text: t('progress', { i: pos + 1, n: total }) });
    var nextBtn = h('button', { type: 'button', 'class': 'btn primary go', id: 'next',
      onclick: function () { next(); } });
    var main = h('main', { id: 'main', 'class': 'screen q q-' + q.type,
      'data-qid': q.id, 'data-qtype': q.type }, [
      h('div', { 'class': 'progress' }, [progText, prog]),
      h('h1', { id: 'q-title', tabindex: '-1', 'class': 'say', text: L(q.text) }),
      hint ? h('p', { id: 'q-hint', 'class': 'hint say', text: hint }) : null,
      q.required ? null : h('p', { id: 'q-opt', 'class': 'opt-note', text: t('optional') }),
      widget,
      h('p', { id: 'q-error', 'class': 'error', role: 'alert' }),
      h('div', { 'class': 'nav' }, [
        h('button', { type: 'button', 'class': 'btn back', id: 'back',
          onclick: function () { back(); } },
          [icon(ICON.back), h('span', { text: t('back') })]),
        nextBtn
      ])
    ]);
    updateNav(main);
    return main;
  }

  /* Refreshes progress and the next/send button after an answer changed. */
  function updateNav(main) {
    main = main || app.querySelector('main');
    var q = byId[st.qid], vis = visibleList(), pos = vis.indexOf(q);
    var last = pos === vis.length - 1;
    var btn = main.querySelector('#next'), bar = main.querySelector('#q-bar');
    btn.replaceChildren(h('span', { text: last ? t('send') : t('next') }),
      icon(last ? ICON.check : ICON.next));
    btn.setAttribute('data-last', last ? 'true' : 'false');
    pos = survey.questions.indexOf(q);
    bar.max = survey.questions.length;
    bar.value = pos + 1;
    main.querySelector('#q-prog').textContent = t('progress', { i: pos + 1, n: survey.questions.length });
  }

  function choiceWidget(q, desc) {
    var multi = q.type === 'multi', items = options(q), name = 'a-' + q.id;
    var cur = st.answers[q.id];
    var group = h('div', {
      'class': 'opts opts-' + q.type + ' n' + items.length,
      role: multi ? 'group' : 'radiogroup',
      'aria-labelledby': 'q-title',
      'aria-describedby': desc.filter(Boolean).join(' '),
      'aria-required': !multi && q.required ? 'true' : null
    });
    items.forEach(function (it, i) {
      var on = multi ? (cur || []).some(function (x) { return sameValue(x, it.v); })
        : cur !== undefined && sameValue(cur, it.v);
      var input = h('input', { type: multi ? 'checkbox' : 'radio', name: name,
        id: 'o' + i, 'class': 'vh', value: String(it.v) });
      input.checked = on;
      input.kbValue = it.v;
      group.appendChild(h('label', { 'class': 'opt' + (on ? ' on' : ''), 'for': 'o' + i }, [
        input,
        it.face || null,
        h('span', { 'class': 'lbl say', text: it.label }),
        h('span', { 'class': 'tick', 'aria-hidden': 'true' }, [icon(ICON.check)])
      ]));
    });
    group.addEventListener('change', function () {
      var inputs = group.querySelectorAll('input');
      var picked = [];
      Array.prototype.forEach.call(inputs, function (inp) {
        inp.parentNode.classList.toggle('on', inp.checked);
        if (inp.checked) picked.push(inp.kbValue);
      });
      if (multi) {
        if (picked.length) st.answers[q.id] = picked; else delete st.answers[q.id];
      } else if (picked.length) {
        st.answers[q.id] = picked[0];
      }
      clearError();
      updateNav();
    });
    return group;
  }

  function textWidget(q, desc) {
    var max = parseInt(q.max_length, 10) || 500;
    var ta = h('textarea', { id: 'q-text', rows: kiosk ? 4 : 6, maxlength: max,
      'aria-labelledby': 'q-title',
      'aria-describedby': desc.concat(['q-count']).filter(Boolean).join(' '),
      'aria-required': q.required ? 'true' : null,
      autocomplete: 'off', autocapitalize: 'sentences' });
    ta.value = st.answers[q.id] || '';
    var count = h('p', { id: 'q-count', 'class': 'count' });
    var full = false;
    function update() {
      var n = ta.value.length;
      count.textContent = t('chars', { n: n, max: max });
      count.classList.toggle('near', n >= max - 20);
      if (n >= max && !full) announce(t('charsFull'));
      full = n >= max;
    }
    ta.addEventListener('input', function () {
      if (ta.value.length > max) ta.value = ta.value.slice(0, max);
      if (ta.value.trim() === '') delete st.answers[q.id];
      else st.answers[q.id] = ta.value;
      ta.removeAttribute('aria-invalid');
      clearError();
      update();
    });
    update();
    return h('div', { 'class': 'text-wrap' }, [ta, count]);
  }

  function clearError() {
    var e = app.querySelector('#q-error');
    if (e && e.textContent) {
      e.textContent = '';
      app.querySelector('main').classList.remove('has-error');
    }
  }

  function next() {
    var q = byId[st.qid];
    if (q.required && !answered(q)) {
      var main = app.querySelector('main'), e = main.querySelector('#q-error');
      var msg = q.type === 'text' ? t('requiredText') : t('required');
      main.classList.add('has-error');
      e.textContent = '';
      W.setTimeout(function () { e.textContent = msg; }, 40);
      var first = main.querySelector('textarea, input');
      if (first) {
        if (first.tagName === 'TEXTAREA') first.setAttribute('aria-invalid', 'true');
        first.focus();
      }
      return;
    }
    var vis = visibleList(), i = vis.indexOf(q);
    go(vis[i + 1]);
  }

  function back() {
    var vis = visibleList(), i = vis.indexOf(byId[st.qid]);
    if (i > 0) {
      st.qid = vis[i - 1].id;
    } else {
      st.screen = 'start';
      st.qid = null;
    }
    render();
  }

  function submit() {
    var answers = collect();
    var sid = uuid();
    if (Object.keys(answers).length) {
      var body = { survey: survey.id, version: survey.version, channel: cfg.channel,
        location: cfg.location, lang: st.lang, submission_id: sid, answers: answers };
      if (cfg.channel === 'sms' && cfg.token) body.token = cfg.token;
      queueAdd(body);
    }
    /* The answers leave the page's memory here; only the queue keeps them. */
    st.answers = {};
    st.sid = sid;
    st.qid = null;
    st.screen = 'thanks';
    queueFlush(true);   /* first, so the thank-you screen knows it is sending */
    render();
  }

  /* Veilig Thuis, for young people De Kindertelefoon, and 112. */
  function helpLines() {
    var youth = survey.audience === 'youth' || survey.audience === 'any';
    var lines = [helpLine(t('veiligThuis'), '0800-2000', '08002000', t('veiligThuisText'))];
    if (youth) {
      lines.push(helpLine(t('kindertelefoon'), '0800-0432', '08000432', t('kindertelefoonText')));
    }
    lines.push(helpLine(t('emergency'), '112', '112', ''));
    return lines;
  }

  function screenThanks() {
    var said = cfg.you_said ? L(cfg.you_said) : '';
    /* On a kiosk the restart button and countdown come first, so they stay
     * on screen in landscape; the help numbers stay THANKS_S seconds. */
    var nav = kiosk ? h('div', { 'class': 'nav restart-row' }, [
      h('p', { id: 'countdown', 'class': 'countdown', 'aria-live': 'off' }),
      h('button', { type: 'button', 'class': 'btn primary go', id: 'restart',
        onclick: function () { reset(); }, text: t('restartNow') })
    ]) : null;
    var kids = [
      h('h1', { tabindex: '-1', 'class': 'say', text: t('thanks') }),
      nav,
      h('div', { 'class': 'thanks-body' }, [
        h('div', { 'class': 'thanks-text' }, [
          h('p', { 'class': 'intro say', text: L(survey.thanks) }),
          h('p', { id: 'q-status', 'class': 'status', role: 'status' }),
          h('div', { id: 'signup' })
        ]),
        h('section', { 'class': 'help', 'aria-labelledby': 'help-h' }, [
          h('h2', { id: 'help-h', 'class': 'say', text: t('helpTitle') }),
          h('ul', null, helpLines())
        ])
      ]),
      said ? h('section', { 'class': 'said', 'aria-labelledby': 'said-h' }, [
        h('h2', { id: 'said-h', 'class': 'say', text: t('youSaid') }),
        h('p', { 'class': 'say', text: said })
      ]) : null
    ];
    return h('main', { id: 'main', 'class': 'screen thanks' }, kids);
  }

  /* The participants' sign-up (kiosk/signup.js) hooks in here. */
  function signupHook() {
    var box = app.querySelector('#signup');
    if (!box || !survey.signup) return;
    function call() {
      try {
        W.klankbordSignup(box, { survey: survey, lang: st.lang, kiosk: kiosk, t: t });
      } catch (e) {
        console.warn('Klankbord: sign-up failed:', e);
      }
    }
    if (typeof W.klankbordSignup === 'function') return call();
    /* Offline, a sign-up could not be sent anyway: none is offered. */
    if (W.navigator && W.navigator.onLine === false) return;
    /* Only a survey that offers the sign-up fetches its hook, and only then:
     * the first screen stays one request. */
    var js = D.createElement('script');
    js.src = '/assets/signup.js';
    js.onload = function () { if (typeof W.klankbordSignup === 'function') call(); };
    D.head.appendChild(js);
  }

  /* "Hulp nodig?": the help numbers, from any screen. */
  function showHelp() {
    if (overlay) return;
    stopSpeech();
    var btn = h('button', { type: 'button', 'class': 'btn primary go', id: 'help-close',
      text: t('close'), onclick: function () { goOn(); } });
    overlay = h('div', { 'class': 'overlay', id: 'help-overlay' }, [
      h('div', { 'class': 'dialog help-dialog', role: 'dialog', 'aria-modal': 'true',
        'aria-labelledby': 'helpd-h' }, [
        h('h2', { id: 'helpd-h', text: t('helpTitle') }),
        h('section', { 'class': 'help' }, [h('ul', null, helpLines())]),
        btn
      ])
    ]);
    overlay.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') goOn();
    });
    overlay.prevFocus = D.activeElement;
    app.inert = true;
    app.setAttribute('aria-hidden', 'true');
    D.body.appendChild(overlay);
    btn.focus();
    armIdle();
  }

  function helpLine(name, number, tel, text) {
    /* A kiosk cannot phone: there the number is plain text, big. */
    var num = kiosk ? h('strong', { 'class': 'num', text: number })
      : h('a', { 'class': 'num', href: 'tel:' + tel }, [icon(ICON.phone), number]);
    return h('li', { 'class': 'say' }, [
      h('span', { 'class': 'who', text: name }), ' ', num,
      text ? [' ', h('span', { 'class': 'what', text: text })] : null
    ]);
  }

  function thanksCountdown(n) {
    W.clearTimeout(thanksT);
    var el = app.querySelector('#countdown');
    if (!el || st.screen !== 'thanks') return;
    if (n <= 0) { reset(); return; }
    el.textContent = t('restartIn', { n: n });
    thanksT = W.setTimeout(function () { thanksCountdown(n - 1); }, 1000);
  }

  /* ---------- kiosk: idle detection and reset ---------- */

  function armIdle() {
    W.clearTimeout(idleT);
    if (!kiosk || !st || st.screen === 'thanks') return;
    if (overlay ? overlay.id !== 'help-overlay' : pristine()) return;
    idleT = W.setTimeout(stillThere, cfg.idle * 1000);
  }

  function activity() {
    if (!kiosk || !st || (overlay && overlay.id !== 'help-overlay')) return;
    if (st.screen === 'thanks') thanksCountdown(THANKS_S);
    else armIdle();
  }

  function stillThere() {
    if (overlay && overlay.id !== 'help-overlay') return;
    hideOverlay();
    stopSpeech();
    var btn = h('button', { type: 'button', 'class': 'btn primary go', id: 'still',
      text: t('goOn') });
    var left = h('p', { id: 'still-count', 'class': 'still-count', 'aria-live': 'off' });
    overlay = h('div', { 'class': 'overlay', id: 'overlay' }, [
      h('div', { 'class': 'dialog', role: 'alertdialog', 'aria-modal': 'true',
        'aria-labelledby': 'still-h', 'aria-describedby': 'still-p' }, [
        h('h2', { id: 'still-h', text: t('stillThere') }),
        h('p', { id: 'still-p', text: t('stillThereText') }),
        left,
        btn
      ])
    ]);
    overlay.addEventListener('click', goOn);
    overlay.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') goOn();
      if (e.key === 'Tab') { e.preventDefault(); btn.focus(); }
    });
    overlay.prevFocus = D.activeElement;
    app.inert = true;
    app.setAttribute('aria-hidden', 'true');
    D.body.appendChild(overlay);
    btn.focus();
    graceCountdown(left, GRACE_S);
  }

  function graceCountdown(el, n) {
    W.clearTimeout(graceT);
    if (n <= 0) { reset(); return; }
    el.textContent = t('stillThereIn', { n: n });
    graceT = W.setTimeout(function () { graceCountdown(el, n - 1); }, 1000);
  }

  function goOn() {
    var prev = overlay && overlay.prevFocus;
    hideOverlay();
    if (prev && prev.focus && D.body.contains(prev)) prev.focus();
    armIdle();
  }

  function hideOverlay() {
    W.clearTimeout(graceT);
    if (overlay) overlay.remove();
    overlay = null;
    app.inert = false;
    app.removeAttribute('aria-hidden');
  }

  /* Drops every answer and rebuilds the page from scratch. */
  function reset() {
    W.clearTimeout(idleT);
    W.clearTimeout(thanksT);
    stopSpeech();
    hideOverlay();
    if (st) st.answers = null;
    st = null;
    var fresh_app = h('div', { id: 'app' });
    app.replaceWith(fresh_app);
    app = fresh_app;
    if (live) live.remove();
    live = h('div', { 'class': 'vh', 'aria-live': 'polite', id: 'live' });
    D.body.appendChild(live);
    fresh();
    firstRender = true;
    render();
    if (kiosk && !booting) refreshSurvey();
  }

  /* A kiosk runs for months: after each reset it picks up a new version of
   * its survey, if the server has one (and keeps the old one if offline). */
  function refreshSurvey() {
    fetchSurvey().then(function (def) {
      if (!def || !survey || def.version === survey.version) return;
      useSurvey(def);
      if (st && st.screen === 'start' && !overlay) { fresh(); render(); }
    }, function () { /* offline: keep the one we have */ });
  }

  /* ---------- read aloud ---------- */

  function speechOK() {
    return 'speechSynthesis' in W && typeof W.SpeechSynthesisUtterance === 'function';
  }

  /* The browser's voice for the current language, or null. */
  function browserVoice() {
    if (!speechOK()) return null;
    var want = (VOICE[st.lang] || st.lang).toLowerCase(), base = st.lang.toLowerCase();
    var voices = W.speechSynthesis.getVoices() || [];
    return voices.filter(function (x) { return x.lang.replace('_', '-').toLowerCase() === want; })[0] ||
      voices.filter(function (x) { return x.lang.toLowerCase().slice(0, base.length) === base; })[0] ||
      null;
  }

  function stopSpeech() {
    if (speechOK() && (W.speechSynthesis.speaking || W.speechSynthesis.pending)) {
      W.speechSynthesis.cancel();
    }
    if (player) {
      player.onended = player.onerror = null;
      player.pause();
      player.removeAttribute('src');
      player = null;
    }
    readButton(false);
  }

  function readButton(on) {
    var b = app && app.querySelector('#read');
    if (!b) return;
    b.classList.toggle('on', on);
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
    b.replaceChildren(icon(on ? ICON.stop : ICON.speaker),
      h('span', { text: on ? t('stopReading') : t('readAloud') }));
  }

  /* What the server reads for this screen: its text keys, in order. */
  function speechKeys() {
    if (st.screen === 'start') return ['intro'];
    if (st.screen === 'thanks') return ['thanks', 'help'];
    var q = byId[st.qid], keys = [q.id];
    if (q.type === 'smiley' || q.type === 'yesno' || q.type === 'choice' || q.type === 'multi') {
      options(q).forEach(function (o) { keys.push(q.id + '.' + String(o.v)); });
    }
    return keys;
  }

  function speechURL(key) {
    return '/api/speech?survey=' + encodeURIComponent(survey.id) +
      '&lang=' + encodeURIComponent(st.lang) + '&text=' + encodeURIComponent(key);
  }

  /* Plays the server's audio for keys, one after the other. */
  function playServer(keys) {
    var i = 0, a = new W.Audio(), retried = false;
    player = a;
    a.preload = 'auto';
    function step() {
      if (player !== a) return;
      if (i >= keys.length) { player = null; readButton(false); return; }
      retried = false;
      play(keys[i++]);
    }
    function play(key) {
      a.src = speechURL(key);
      var p = a.play();
      if (p && p.catch) p.catch(fail);
    }
    /* The server renders one new text at a time and may ask to wait. */
    function fail() {
      if (player !== a) return;
      if (!retried) {
        retried = true;
        W.setTimeout(function () { if (player === a) play(keys[i - 1]); }, 2000);
        return;
      }
      player = null;
      readButton(false);
      announce(t('audioFailed'));
    }
    a.onended = step;
    a.onerror = fail;
    readButton(true);
    step();
  }

  function toggleSpeech(main) {
    if (player || (speechOK() && (W.speechSynthesis.speaking || W.speechSynthesis.pending))) {
      stopSpeech();
      return;
    }
    var v = browserVoice();
    if (!v) { playServer(speechKeys()); return; }
    var parts = Array.prototype.map.call(main.querySelectorAll('.say'), function (e) {
      var s = e.textContent.replace(/\s+/g, ' ').trim();
      return /[.!?:…]$/.test(s) ? s : s + '.';
    });
    var u = new W.SpeechSynthesisUtterance(parts.join(' '));
    u.lang = VOICE[st.lang] || st.lang;
    u.voice = v;
    u.rate = 0.95;
    u.onend = function () { readButton(false); };
    /* A voice that fails (Chromium without speech-dispatcher): the server reads. */
    u.onerror = function (e) {
      readButton(false);
      if (e && e.error !== 'interrupted' && e.error !== 'canceled') playServer(speechKeys());
    };
    readButton(true);
    W.speechSynthesis.speak(u);
  }

  /* ---------- offline queue ---------- */

  var memQ = [], lsOK = true, flushing = false, again = false, flushT = 0;

  function qGet() {
    if (lsOK) {
      try {
        var s = W.localStorage.getItem(QKEY), a = s ? JSON.parse(s) : [];
        return Array.isArray(a) ? a : [];
      } catch (e) { lsOK = false; }
    }
    return memQ.slice();
  }

  function qPut(a) {
    memQ = a.slice();
    if (!lsOK) return;
    try {
      if (a.length) W.localStorage.setItem(QKEY, JSON.stringify(a));
      else W.localStorage.removeItem(QKEY);
    } catch (e) { lsOK = false; }
  }

  function queueAdd(body) {
    var q = qGet();
    q.push({ body: body, tries: 0, next: 0 });
    qPut(q);
  }

  /* Applies fn to the queued item with this submission_id (fresh read). */
  function qUpdate(sid, fn) {
    var q = qGet(), i;
    for (i = 0; i < q.length; i++) {
      if (q[i] && q[i].body && q[i].body.submission_id === sid) {
        if (fn(q[i]) === false) q.splice(i, 1);
        break;
      }
    }
    qPut(q);
  }

  function retryAfter(res) {
    var v = res.headers.get('Retry-After'), s;
    if (!v) return 0;
    s = parseInt(v, 10);
    if (String(s) === v.trim()) return Math.max(0, s) * 1000;
    s = Date.parse(v);
    return isNaN(s) ? 0 : Math.max(0, s - Date.now());
  }

  function send(item) {
    var ctl = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = W.setTimeout(function () { if (ctl) ctl.abort(); }, 20000);
    return W.fetch('/api/responses', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(item.body),
      cache: 'no-store',
      credentials: 'omit',
      keepalive: true,
      signal: ctl ? ctl.signal : undefined
    }).then(function (res) {
      W.clearTimeout(timer);
      if (res.status === 200 || res.status === 201) return { done: true };
      if (PERMANENT[res.status]) {
        return res.text().then(function (txt) {
          console.warn('Klankbord: response refused (' + res.status + '), dropped:', txt);
          return { done: true };
        }, function () { return { done: true }; });
      }
      if (res.status === 429) return { wait: retryAfter(res), limited: true };
      return { wait: 0 };
    }, function () {
      W.clearTimeout(timer);
      return { wait: 0 };
    });
  }

  function queueFlush(force) {
    if (flushing) { again = again || force; return; }
    W.clearTimeout(flushT);
    var q = qGet(), now = Date.now();
    if (force) {
      q.forEach(function (it) { if (!it.limited) it.next = 0; });
      qPut(q);
    }
    var due = q.filter(function (it) { return it && it.body && !(it.next > now); });
    if (!due.length) { schedule(); queueStatus(); return; }
    flushing = true;
    var i = 0;
    (function step() {
      if (i >= due.length) {
        flushing = false;
        queueStatus();
        if (again) { again = false; queueFlush(true); } else schedule();
        return;
      }
      var item = due[i++];
      send(item).then(function (r) {
        qUpdate(item.body.submission_id, function (it) {
          if (r.done) return false;
          it.tries = (it.tries || 0) + 1;
          var wait = r.wait || Math.min(BACKOFF_MAX, BACKOFF_MIN * Math.pow(2, it.tries - 1));
          if (!r.wait) wait = wait * (0.8 + Math.random() * 0.4);
          it.next = Date.now() + Math.round(wait);
          it.limited = !!r.limited;
          return true;
        });
        step();
      });
    })();
  }

  function schedule() {
    W.clearTimeout(flushT);
    var q = qGet();
    if (!q.length) return;
    var soonest = Math.min.apply(null, q.map(function (it) { return it.next || 0; }));
    var wait = Math.min(BACKOFF_MAX, Math.max(1000, soonest - Date.now()));
    flushT = W.setTimeout(function () { queueFlush(false); }, wait);
  }

  /* On the thank-you screen: says so while this response still waits. */
  function queueStatus() {
    if (!st || st.screen !== 'thanks' || !app) return;
    var el = app.querySelector('#q-status');
    if (!el) return;
    var waiting = !flushing && qGet().some(function (it) {
      return it && it.body && it.body.submission_id === st.sid;
    });
    var text = waiting ? t('queued') : '';
    if (el.textContent !== text) el.textContent = text;
  }

  /* ---------- start-up ---------- */

  function message(text, retry) {
    app.replaceChildren(h('main', { id: 'main', 'class': 'screen' }, [
      h('h1', { tabindex: '-1', text: 'Klankbord' }),
      h('p', { 'class': 'note', role: 'status', text: text }),
      retry ? h('div', { 'class': 'nav' }, [h('button', { type: 'button', 'class': 'btn primary',
        text: t('retry'), onclick: function () { load(); } })]) : null
    ]));
  }

  /* Resolves to the definition, null for an unknown survey; rejects otherwise. */
  function fetchSurvey() {
    return W.fetch('/api/surveys/' + encodeURIComponent(cfg.survey), { cache: 'no-store',
      credentials: 'omit' }).then(function (res) {
      if (res.status === 404) return null;
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    }).then(function (def) {
      if (def && (!def.languages || !def.languages.length || !Array.isArray(def.questions))) {
        throw new Error('bad definition');
      }
      return def;
    });
  }

  function useSurvey(def) {
    survey = def;
    byId = {};
    def.questions.forEach(function (q) { byId[q.id] = q; });
  }

  function load() {
    W.clearTimeout(loadT);
    if (!cfg.survey) { message(t('notFound'), false); return; }
    var inline = cfg.def;
    cfg.def = null;     /* once: a retry or a kiosk refresh asks the server */
    (inline && inline.languages && Array.isArray(inline.questions) ?
      Promise.resolve(inline) : fetchSurvey()).then(function (def) {
      if (!def) { message(t('notFound'), false); return; }
      useSurvey(def);
      booting = true;
      reset();
      booting = false;
    }).catch(function () {
      message(t('loadError'), true);
      loadT = W.setTimeout(load, 15000);
    });
  }

  function init() {
    var root = D.documentElement;
    root.classList.add(kiosk ? 'kiosk' : 'phone');
    if (kiosk) {
      /* No "translate this page?" bubble on a kiosk (phones may translate). */
      root.setAttribute('translate', 'no');
      D.head.appendChild(h('meta', { name: 'google', content: 'notranslate' }));
    }
    if (cfg.lang) root.lang = cfg.lang;
    live = h('div', { 'class': 'vh', 'aria-live': 'polite', id: 'live' });
    D.body.appendChild(live);
    /* Keyboard focus rings on the big option buttons, not after a touch. */
    D.addEventListener('keydown', function (e) {
      if (e.key === 'Tab' || e.key.indexOf('Arrow') === 0 || e.key === ' ') root.classList.add('kbd');
    }, true);
    D.addEventListener('pointerdown', function () { root.classList.remove('kbd'); }, true);
    if (kiosk) {
      ['pointerdown', 'keydown', 'input', 'wheel', 'touchstart'].forEach(function (ev) {
        D.addEventListener(ev, activity, { capture: true, passive: true });
      });
      D.addEventListener('contextmenu', function (e) { e.preventDefault(); });
      D.addEventListener('dragstart', function (e) { e.preventDefault(); });
      /* Chromium's kiosk: no pinch or ctrl-wheel zoom. */
      D.addEventListener('wheel', function (e) { if (e.ctrlKey) e.preventDefault(); },
        { passive: false });
    }
    W.addEventListener('online', function () { queueFlush(true); });
    D.addEventListener('visibilitychange', function () {
      if (D.visibilityState === 'visible') queueFlush(false);
    });
    queueFlush(false);
    load();
  }

  /* ---------- smiley faces ---------- */

  function face(i, n) {
    /* t: -1 (worst) .. 1 (best); 4 faces have no middle. */
    var tv = n === 4 ? [-1, -0.5, 0.5, 1][i - 1] : (i - 1) / 2 - 1;
    var fill = { '-1': '#f4a09a', '-0.5': '#f7c08f', '0': '#f5dc8a', '0.5': '#bfdf95', '1': '#8fd1a6' }[String(tv)];
    var y = 45 - tv * 1.5, c = y + tv * 13;
    var kids = [
      svg('circle', { cx: 32, cy: 32, r: 29, fill: fill, stroke: '#1c2530', 'stroke-width': 2.5 }),
      svg('circle', { cx: 22.5, cy: 26, r: 3.6, fill: '#1c2530' }),
      svg('circle', { cx: 41.5, cy: 26, r: 3.6, fill: '#1c2530' }),
      svg('path', { d: 'M20 ' + y + ' Q32 ' + c + ' 44 ' + y, fill: 'none', stroke: '#1c2530',
        'stroke-width': 3.6, 'stroke-linecap': 'round' })
    ];
    if (tv === -1) {
      kids.push(svg('path', { d: 'M15 21l10-4M49 21l-10-4', stroke: '#1c2530', 'stroke-width': 3,
        'stroke-linecap': 'round', fill: 'none' }));
    }
    return svg('svg', { viewBox: '0 0 64 64', 'aria-hidden': 'true', focusable: 'false',
      'class': 'face' }, kids);
  }

  if (D.readyState === 'loading') D.addEventListener('DOMContentLoaded', init);
  else init();
})();
