// Sign-in through an upstream OpenID provider in headless Chromium: the
// login page's "Sign in with Example Health ID" link (no JavaScript of
// ours), the provider's own login page, back to consent, the redirect to
// the test app, the token exchange and a FHIR read of the linked user's
// patient. Screenshots go to OUT_DIR/upstream.
import { randomBytes } from 'node:crypto';
import { AUTH_URL, FHIR_URL, APP_ORIGIN, CLIENT_ID, pkce, check, startApp, launchBrowser, shot, env } from './lib.mjs';

const USERNAME = env('UPSTREAM_USER');
const PASSWORD = env('UPSTREAM_PASSWORD');
const TEST = 'upstream';
const redirectUri = APP_ORIGIN + '/callback';

const { verifier, challenge } = pkce();
const state = randomBytes(16).toString('base64url');
let callback;
const app = await startApp((req, res) => {
  const u = new URL(req.url, APP_ORIGIN);
  if (u.pathname !== '/callback') { res.writeHead(404); res.end(); return; }
  callback = u;
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end('<!doctype html><title>Test app</title><h1>Test app: back from sign-in</h1>');
});
const browser = await launchBrowser();
try {
  // JavaScript off: the button must work as a plain link.
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const authorize = new URL(AUTH_URL + '/authorize');
  authorize.search = new URLSearchParams({
    response_type: 'code', client_id: CLIENT_ID, redirect_uri: redirectUri,
    scope: 'launch/patient openid fhirUser patient/*.read',
    state, aud: FHIR_URL, code_challenge: challenge, code_challenge_method: 'S256',
  }).toString();

  await page.goto(authorize.toString());
  const button = page.getByRole('link', { name: 'Sign in with Example Health ID' });
  await button.waitFor();
  await shot(page, TEST, '1-login-with-provider-button');
  await button.click();

  // The provider's login page (zitadel/oidc's example OP).
  await page.getByLabel('Username').waitFor();
  check(!page.url().startsWith(AUTH_URL), 'not at the provider: ' + page.url());
  await shot(page, TEST, '2-provider-login');
  await page.getByLabel('Username').fill(USERNAME);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Login' }).click();

  await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
  await shot(page, TEST, '3-consent');
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL((u) => u.toString().startsWith(redirectUri));
  await shot(page, TEST, '4-back-at-app');

  check(callback && callback.searchParams.get('state') === state, 'state not echoed: ' + callback);
  const code = callback.searchParams.get('code');
  check(code, 'no code: ' + callback);
  const tokenResp = await fetch(AUTH_URL + '/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: CLIENT_ID }),
  });
  const token = await tokenResp.json();
  check(tokenResp.status === 200, 'token exchange: ' + tokenResp.status + ' ' + JSON.stringify(token));
  const read = await fetch(`${FHIR_URL}/Patient/${token.patient}`, { headers: { authorization: 'Bearer ' + token.access_token, accept: 'application/fhir+json' } });
  check(read.status === 200, 'FHIR read: ' + read.status);
  console.log(JSON.stringify({ ok: true, patient: token.patient, fhirRead: read.status }));
} finally {
  await browser.close();
  app.close();
}
