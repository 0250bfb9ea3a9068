// A clinician's standalone launch in headless Chromium: login, patient
// picker (searching the FHIR server), consent, the redirect back to the
// test app's redirect URI, then the token exchange (PKCE) and a FHIR read
// with the access token. Screenshots of every page go to OUT_DIR/authcode.
import { randomBytes } from 'node:crypto';
import { AUTH_URL, FHIR_URL, APP_ORIGIN, CLIENT_ID, pkce, check, startApp, launchBrowser, shot, decodeJWT, env } from './lib.mjs';

const USERNAME = env('CLINICIAN_USER', 'demo-clinician');
const PASSWORD = env('CLINICIAN_PASSWORD', 'demo-clinician-password');
const SEARCH = env('PATIENT_SEARCH', 'Kanfeld');
const TEST = 'authcode';
const redirectUri = APP_ORIGIN + '/callback';

const { verifier, challenge } = pkce();
const state = randomBytes(16).toString('base64url');
let callback;
const app = await startApp((req, res) => {
  const u = new URL(req.url, APP_ORIGIN);
  if (u.pathname !== '/callback') { res.writeHead(404); res.end(); return; }
  callback = u;
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><title>Test app</title><h1>Test app: back from sign-in</h1><p>state ${u.searchParams.get('state') === state ? 'matches' : 'DOES NOT MATCH'}</p>`);
});
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  const authorize = new URL(AUTH_URL + '/authorize');
  authorize.search = new URLSearchParams({
    response_type: 'code', client_id: CLIENT_ID, redirect_uri: redirectUri,
    scope: 'launch/patient openid fhirUser profile offline_access patient/*.read',
    state, aud: FHIR_URL, code_challenge: challenge, code_challenge_method: 'S256', nonce: 'n-' + state,
  }).toString();

  await page.goto(authorize.toString());
  await page.getByLabel('Username').waitFor();
  await shot(page, TEST, '1-login');
  // Keyboard only: the form must be usable in focus order.
  await page.getByLabel('Username').fill(USERNAME);
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');

  await page.getByRole('heading', { name: 'Choose a patient' }).waitFor();
  await shot(page, TEST, '2-patient-picker');
  await page.getByLabel('Patient name').fill(SEARCH);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('radio').first().waitFor();
  await shot(page, TEST, '3-patient-search');
  const patientLabel = await page.locator('.choice label').first().innerText();
  await page.getByRole('radio').first().check();
  await page.getByRole('button', { name: 'Continue with this patient' }).click();

  await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
  await shot(page, TEST, '4-consent');
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL((u) => u.toString().startsWith(redirectUri));
  await shot(page, TEST, '5-back-at-app');

  check(callback, 'the browser never reached the redirect URI');
  check(callback.searchParams.get('state') === state, 'state not echoed');
  const code = callback.searchParams.get('code');
  check(code, 'no code: ' + callback);

  const tokenResp = await fetch(AUTH_URL + '/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: CLIENT_ID }),
  });
  const token = await tokenResp.json();
  check(tokenResp.status === 200, 'token exchange: ' + tokenResp.status + ' ' + JSON.stringify(token));
  check(token.patient && patientLabel.includes('Patient/' + token.patient), `patient ${token.patient} is not the one picked (${patientLabel})`);
  const claims = decodeJWT(token.access_token);
  check(claims.patient === token.patient && claims.client_id === CLIENT_ID && claims.fhirUser?.includes('/Practitioner/'), 'access token claims: ' + JSON.stringify(claims));
  check([].concat(decodeJWT(token.id_token).aud).includes(CLIENT_ID), 'id_token aud');
  check(token.refresh_token, 'no refresh_token for offline_access');

  const read = await fetch(`${FHIR_URL}/Patient/${token.patient}`, { headers: { authorization: 'Bearer ' + token.access_token, accept: 'application/fhir+json' } });
  const patient = await read.json();
  check(read.status === 200 && patient.resourceType === 'Patient' && patient.id === token.patient, `FHIR read: ${read.status} ${JSON.stringify(patient).slice(0, 300)}`);
  const other = await fetch(`${FHIR_URL}/Patient/${token.patient === '4' ? '5' : '4'}`, { headers: { authorization: 'Bearer ' + token.access_token } });
  check(other.status === 404 || other.status === 403, 'another patient readable with a patient/ token: ' + other.status);
  console.log(JSON.stringify({ ok: true, patient: token.patient, scope: token.scope, fhirRead: read.status, otherPatient: other.status }));
} finally {
  await browser.close();
  app.close();
}
