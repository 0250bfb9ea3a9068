// SMART Health IT's fhirclient completes an EHR launch, unmodified: a
// trusted EHR (demo-system) creates the launch context at
// POST /launch-context with an encounter and fhirContext, then opens the
// app's launch URL with iss and launch as an EHR does; the app (demo app
// page) calls fhirclient's authorize({iss, launch, ...}) and ready(), and
// reads the patient and encounter in context. Chromium plays the patient
// user, whose own record the EHR opened. Screenshots go to
// OUT_DIR/fhirclient-ehr.
import { AUTH_URL, FHIR_URL, APP_ORIGIN, CLIENT_ID, check, startApp, launchBrowser, shot, env } from './lib.mjs';
import { demoApp } from './demoapp.mjs';

const USERNAME = env('PATIENT_USER', 'demo-patient');
const PASSWORD = env('PATIENT_PASSWORD', 'demo-patient-password');
const TEST = 'fhirclient-ehr';

const created = await fetch(AUTH_URL + '/launch-context', {
  method: 'POST',
  headers: { authorization: 'Basic ' + Buffer.from('demo-system:demo-system-secret').toString('base64'), 'content-type': 'application/json' },
  body: JSON.stringify({
    client_id: CLIENT_ID, patient: '4', encounter: 'enc-4-1', user: USERNAME, intent: 'summary',
    fhirContext: [{ reference: 'DocumentReference/doc-4-1', role: 'launch' }],
  }),
});
const launch = await created.json();
check(created.status === 200 && launch.launch && launch.expires_in === 300, 'launch context: ' + created.status + ' ' + JSON.stringify(launch));

let result;
const app = await startApp(demoApp((r) => { result = r; }));
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  await page.goto(`${APP_ORIGIN}/launch?${new URLSearchParams({ iss: FHIR_URL, launch: launch.launch })}`);
  await page.getByLabel('Username').waitFor();
  await shot(page, TEST, '1-login');
  await page.getByLabel('Username').fill(USERNAME);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
  await shot(page, TEST, '2-consent');
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.locator('#patient-name').waitFor();
  await shot(page, TEST, '3-app-read-patient');
  check(result && result.patientId === '4' && result.readPatient === '4', 'patient: ' + JSON.stringify(result));
  check(result.encounterId === 'enc-4-1' && result.readEncounter === 'enc-4-1', 'encounter: ' + JSON.stringify(result));
  check(Array.isArray(result.fhirContext) && result.fhirContext.length === 1 && result.fhirContext[0].reference === 'DocumentReference/doc-4-1', 'fhirContext: ' + JSON.stringify(result.fhirContext));
  check(result.intent === 'summary' && result.fhirUser?.endsWith('Patient/4'), 'intent and fhirUser: ' + JSON.stringify(result));
  console.log(JSON.stringify({ ok: true, ...result }));
} finally {
  await browser.close();
  app.close();
}
