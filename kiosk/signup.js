/*
 * Klankbord: the hook of the participation sign-up (issue #16).
 *
 * After the thank-you screen of a survey with "signup": true, kiosk/app.js
 * calls window.klankbordSignup(container, info) (info: {survey, lang, kiosk,
 * t}); the form klankbordSignup(container, survey, lang) works too. Only
 * then are the form (signup-form.js) and its style (signup.css) loaded:
 * surveys without a sign-up never fetch them.
 */
(function () {
  'use strict';

  var W = window, D = document, loading = null;

  function load() {
    if (loading) return loading;
    loading = new Promise(function (resolve, reject) {
      var css = D.createElement('link'), js = D.createElement('script');
      css.rel = 'stylesheet';
      css.href = '/assets/signup.css';
      D.head.appendChild(css);
      js.src = '/assets/signup-form.js';
      js.onload = resolve;
      js.onerror = function () { loading = null; reject(new Error('signup-form.js')); };
      D.head.appendChild(js);
    });
    return loading;
  }

  W.klankbordSignup = function (box, a, b) {
    var survey = a && a.survey ? a.survey : a;
    if (!box || !survey || !survey.signup) return;
    load().then(function () { W.klankbordSignupForm(box, a, b); })
      .catch(function () { /* no sign-up offered when it cannot load */ });
  };
})();
