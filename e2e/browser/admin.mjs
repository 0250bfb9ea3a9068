// The admin console in headless Chromium: demo-admin creates a user,
// links them to Patient/4 (picked from the FHIR server's search), the
// user launches demo-smart-app in that patient's context, the admin
// revokes the grant (the app's refresh then fails) and rotates the
// signing key (the FHIR server accepts tokens of the new key). A
// screenshot of each console page goes to OUT_DIR/admin.
import { randomBytes } from 'node:crypto';
import { AUTH_URL, FHIR_URL, APP_ORIGIN, CLIENT_ID, pkce, check, startApp, launchBrowser, shot, env } from './lib.mjs';

const ADMIN = env('ADMIN_USER', 'demo-admin');
const ADMIN_PASSWORD = env('ADMIN_PASSWORD', 'demo-admin-password');
const TEST = 'admin';
const redirectUri = APP_ORIGIN + '/callback';
const username = 'e2e-patient-' + randomBytes(3).toString('hex');
const password = 'e2e-' + randomBytes(9).toString('base64url');

async function systemToken() {
  const r = await fetch(AUTH_URL + '/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic ' + Buffer.from('demo-system:demo-system-secret').toString('base64') },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/Patient.read' }),
  });
  const body = await r.json();
  check(r.status === 200, 'client_credentials: ' + r.status + ' ' + JSON.stringify(body));
  return body.access_token;
}

async function fhirRead(path, token) {
  return fetch(FHIR_URL + path, { headers: { authorization: 'Bearer ' + token, accept: 'application/fhir+json' } });
}

// The family name of Patient/4, to search for it as an admin would.
const p4 = await (await fhirRead('/Patient/4', await systemToken())).json();
const family = p4.name?.[0]?.family;
check(family, 'Patient/4 has no family name: ' + JSON.stringify(p4).slice(0, 200));

let callback;
const app = await startApp((req, res) => {
  const u = new URL(req.url, APP_ORIGIN);
  if (u.pathname !== '/callback') { res.writeHead(404); res.end(); return; }
  callback = u;
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end('<!doctype html><title>Test app</title><h1>Test app: back from sign-in</h1>');
});
const browser = await launchBrowser();
const result = { ok: false };
try {
  const admin = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  // Sign in, then the console.
  await admin.goto(AUTH_URL + '/login?next=/admin');
  await admin.getByLabel('Username').fill(ADMIN);
  await admin.getByLabel('Password').fill(ADMIN_PASSWORD);
  await admin.getByRole('button', { name: 'Sign in' }).click();
  await admin.getByRole('heading', { name: 'Admin console' }).waitFor();
  await shot(admin, TEST, '1-dashboard');

  // Create the user with a password the admin sets.
  await admin.getByRole('link', { name: 'Users', exact: true }).click();
  await admin.getByRole('heading', { name: 'Users' }).waitFor();
  await shot(admin, TEST, '2-users');
  await admin.getByLabel('Username').fill(username);
  await admin.getByLabel('Name', { exact: true }).fill('E2E Patient');
  await admin.getByLabel('Role').selectOption('clinician');
  await admin.getByLabel('Set it now:').check();
  await admin.getByLabel('Password (at least 12 characters)').fill(password);
  await admin.getByRole('button', { name: 'Create user' }).click();
  await admin.getByRole('heading', { name: 'User ' + username }).waitFor();
  check((await admin.content()).includes('The user was created.'), 'no notice after create');

  // Link them to Patient/4, found by the FHIR server's search.
  await admin.getByLabel('Patient name').fill(family);
  await admin.getByRole('button', { name: 'Search the FHIR server' }).click();
  await admin.getByRole('button', { name: 'Link Patient/4', exact: true }).waitFor();
  await shot(admin, TEST, '3-patient-search');
  await admin.getByRole('button', { name: 'Link Patient/4', exact: true }).click();
  await admin.getByText('The user was linked to the patient.').waitFor();
  const userPage = admin.url().split('?')[0];
  check((await admin.locator('dl.meta').innerText()).includes('Patient/4'), 'the user page does not show Patient/4');

  // The user launches the app: straight to consent for Patient/4.
  const { verifier, challenge } = pkce();
  const state = randomBytes(16).toString('base64url');
  const user = await (await browser.newContext()).newPage();
  const authorize = new URL(AUTH_URL + '/authorize');
  authorize.search = new URLSearchParams({
    response_type: 'code', client_id: CLIENT_ID, redirect_uri: redirectUri,
    scope: 'launch/patient openid fhirUser offline_access patient/*.read',
    state, aud: FHIR_URL, code_challenge: challenge, code_challenge_method: 'S256',
  }).toString();
  await user.goto(authorize.toString());
  await user.getByLabel('Username').fill(username);
  await user.getByLabel('Password').fill(password);
  await user.getByRole('button', { name: 'Sign in' }).click();
  await user.getByRole('heading', { name: 'Allow access?' }).waitFor();
  await user.getByRole('button', { name: 'Allow' }).click();
  await user.waitForURL((u) => u.toString().startsWith(redirectUri));
  check(callback?.searchParams.get('state') === state, 'state not echoed');
  const tokenResp = await fetch(AUTH_URL + '/token', {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: callback.searchParams.get('code'), redirect_uri: redirectUri, code_verifier: verifier, client_id: CLIENT_ID }),
  });
  const token = await tokenResp.json();
  check(tokenResp.status === 200 && token.patient === '4', 'token response: ' + tokenResp.status + ' ' + JSON.stringify(token));
  check((await fhirRead('/Patient/4', token.access_token)).status === 200, 'the app cannot read Patient/4');
  result.patient = token.patient;

  // The admin sees the grant and revokes it (re-entering the password).
  await admin.goto(userPage);
  await admin.getByRole('link', { name: 'Revoke ' + CLIENT_ID, exact: true }).waitFor();
  await shot(admin, TEST, '4-user');
  await admin.getByRole('link', { name: 'Revoke ' + CLIENT_ID, exact: true }).click();
  await admin.getByRole('heading', { name: 'Revoke app access' }).waitFor();
  await shot(admin, TEST, '5-confirm');
  await admin.getByLabel(/Your password/).fill(ADMIN_PASSWORD);
  await admin.getByRole('button', { name: 'Revoke' }).click();
  await admin.getByText("The app's access was revoked").waitFor();
  const refresh = await fetch(AUTH_URL + '/token', {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token.refresh_token, client_id: CLIENT_ID }),
  });
  const refreshed = await refresh.json();
  check(refresh.status === 400 && refreshed.error === 'invalid_grant', 'refresh after revoke: ' + refresh.status + ' ' + JSON.stringify(refreshed));
  result.refreshAfterRevoke = refresh.status;

  // Clients, a client, the audit trail.
  await admin.getByRole('link', { name: 'Clients', exact: true }).click();
  await admin.getByRole('heading', { name: 'Clients' }).waitFor();
  await shot(admin, TEST, '6-clients');
  await admin.goto(AUTH_URL + '/admin/clients/' + CLIENT_ID);
  await shot(admin, TEST, '7-client');

  // Rotate the signing key: no password asked again within 5 minutes.
  const oldKid = decodeJWTHeader(await systemToken()).kid;
  await admin.getByRole('link', { name: 'Signing keys' }).click();
  await admin.getByRole('heading', { name: 'Signing keys' }).waitFor();
  await admin.getByRole('link', { name: 'Rotate now' }).click();
  await admin.getByRole('heading', { name: 'Rotate the signing key' }).waitFor();
  check(await admin.getByLabel(/Your password/).count() === 0, 'asked for the password again within 5 minutes');
  await admin.getByRole('button', { name: 'Rotate now' }).click();
  await admin.getByText('A new key signs new tokens').waitFor();
  await shot(admin, TEST, '8-keys');
  const fresh = await systemToken();
  const newKid = decodeJWTHeader(fresh).kid;
  check(newKid !== oldKid, 'the new token is still signed by ' + oldKid);
  check((await admin.locator('tr', { hasText: newKid }).innerText()).includes('signs new tokens'), 'the new key is not marked as the signer');
  const after = await fhirRead('/Patient/4', fresh);
  check(after.status === 200, 'the FHIR server refused a token of the new key: ' + after.status);
  result.rotated = { oldKid, newKid, fhirRead: after.status };

  await admin.getByRole('link', { name: 'Audit' }).click();
  await admin.getByRole('heading', { name: 'Audit' }).waitFor();
  const audit = await admin.locator('main').innerText();
  for (const want of ['admin.user.create', 'admin.user.role', 'admin.grant.revoke', 'key.rotated', 'user:' + username]) {
    check(audit.includes(want), 'the security events lack ' + want);
  }
  await shot(admin, TEST, '9-audit');
  await admin.goto(AUTH_URL + '/admin/audit/fhir?patient=4&client=' + CLIENT_ID);
  await admin.getByRole('table').waitFor();
  check((await admin.locator('main').innerText()).includes('Patient/4'), 'the FHIR AuditEvents of Patient/4 are not shown');
  await shot(admin, TEST, '10-fhir-audit');
  await admin.goto(AUTH_URL + '/admin/audit/fhir?user=' + username);
  await admin.getByRole('table').waitFor();
  check((await admin.locator('tbody').innerText()).includes('Patient/4'), "the FHIR AuditEvents of the user's read are not found by username");
  await admin.goto(AUTH_URL + '/admin');
  await shot(admin, TEST, '11-dashboard-after');

  // Another user gets 404 on the console.
  const other = await user.goto(AUTH_URL + '/admin');
  check(other.status() === 404, 'a patient user got ' + other.status() + ' on /admin');
  result.patientOnAdmin = other.status();
  result.ok = true;
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
  app.close();
}

function decodeJWTHeader(tok) {
  return JSON.parse(Buffer.from(tok.split('.')[0], 'base64url').toString());
}
