// The SMART client library fhirclient (SMART Health IT's, not ours)
// completes a standalone launch against the running servers: the test app
// on 127.0.0.1:9999 calls fhirclient's authorize() at /launch (discovery
// through the FHIR server's .well-known/smart-configuration, PKCE S256)
// and ready() at /callback (code exchange), then reads the patient with
// fhirclient's request(). Chromium plays the patient user.
import smart from 'fhirclient';
import { FHIR_URL, APP_ORIGIN, CLIENT_ID, check, startApp, launchBrowser, shot, env } from './lib.mjs';

const USERNAME = env('PATIENT_USER', 'demo-patient');
const PASSWORD = env('PATIENT_PASSWORD', 'demo-patient-password');
const TEST = 'fhirclient';

const session = {}; // fhirclient keeps its state in req.session
let result;
const app = await startApp(async (req, res) => {
  req.session = session;
  const u = new URL(req.url, APP_ORIGIN);
  if (u.pathname === '/launch') {
    await smart(req, res).authorize({
      iss: FHIR_URL, clientId: CLIENT_ID, redirectUri: APP_ORIGIN + '/callback',
      scope: 'launch/patient openid fhirUser profile offline_access patient/*.read', pkceMode: 'required',
    });
    return;
  }
  if (u.pathname === '/callback') {
    const client = await smart(req, res).ready();
    const patient = await client.patient.read();
    const user = client.getFhirUser();
    result = { patientId: client.patient.id, resourceType: patient.resourceType, id: patient.id, fhirUser: user, hasRefresh: !!client.state.tokenResponse?.refresh_token };
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>fhirclient app</title><h1>fhirclient read Patient/${patient.id}</h1><pre>${JSON.stringify(result, null, 2)}</pre>`);
    return;
  }
  res.writeHead(404); res.end();
});
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  await page.goto(APP_ORIGIN + '/launch');
  await page.getByLabel('Username').waitFor();
  await shot(page, TEST, '1-login');
  await page.getByLabel('Username').fill(USERNAME);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
  await shot(page, TEST, '2-consent');
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.getByRole('heading', { name: /fhirclient read Patient/ }).waitFor();
  await shot(page, TEST, '3-app-read-patient');
  check(result && result.resourceType === 'Patient' && result.id === result.patientId, 'fhirclient result: ' + JSON.stringify(result));
  check(result.fhirUser && result.fhirUser.endsWith('Patient/' + result.patientId), 'fhirUser from the id_token: ' + result.fhirUser);
  console.log(JSON.stringify({ ok: true, ...result }));
} finally {
  await browser.close();
  app.close();
}
