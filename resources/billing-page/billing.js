// SPDX-License-Identifier: Apache-2.0
// The offline billing page: an instance administrator applies the requested
// plan (POST /api/cloud/billing/offline, session cookie + double-submit CSRF
// token); anyone else reads that plan changes are made by the administrator.
'use strict';

(function () {
  const params = new URLSearchParams(window.location.search);
  const session = params.get('session') || '';
  const $ = (id) => document.getElementById(id);
  const result = $('result');

  const workspace = params.get('workspace_id') || '';
  const plan = params.get('plan') || '';
  $('workspace').value = workspace;
  if (['free', 'pro', 'team'].includes(plan)) $('plan').value = plan;
  if (workspace) {
    const req = $('request');
    req.textContent = plan
      ? 'Requested: the ' + plan + ' plan for workspace ' + workspace + '.'
      : 'Workspace ' + workspace + '.';
    req.hidden = false;
  }

  function cookie(name) {
    for (const part of document.cookie.split(';')) {
      const [k, ...v] = part.trim().split('=');
      if (k === name) return decodeURIComponent(v.join('='));
    }
    return '';
  }

  function say(text, isError) {
    result.textContent = text;
    result.className = isError ? 'error' : '';
  }

  async function change() {
    const body = { workspace_id: $('workspace').value.trim(), plan: $('plan').value };
    if (session && body.workspace_id === workspace && body.plan === plan) body.session_ref = session;
    let res;
    try {
      res = await fetch('/api/cloud/billing/offline', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': cookie('wfx_csrf') },
        body: JSON.stringify(body),
      });
    } catch (e) {
      say('The server could not be reached.', true);
      return;
    }
    const answer = await res.json().catch(() => ({}));
    if (res.ok) {
      $('signin').hidden = true;
      say('The workspace is now on the ' + answer.plan + ' plan.', false);
    } else if (res.status === 401) {
      $('signin').hidden = false;
      say('Sign in as the instance administrator to change the plan.', true);
    } else if (res.status === 403 && answer.error && answer.error.code === 'forbidden') {
      say('Plan changes on this instance are made by its administrator.', true);
    } else {
      say((answer.error && answer.error.message) || 'The plan was not changed.', true);
    }
  }

  $('change-form').addEventListener('submit', (e) => {
    e.preventDefault();
    change();
  });
  $('signin-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const res = await fetch('/api/auth/login', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: $('email').value, password: $('password').value }),
    }).catch(() => null);
    if (!res || !res.ok) {
      say('The email or password is wrong.', true);
      return;
    }
    change();
  });
})();
