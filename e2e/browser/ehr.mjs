// The demo EHR page launches demo-smart-app in headless Chromium: the
// clinician signs in at /ehr, opens Patient/4's record, keeps the newest
// encounter, chooses the app and presses Launch; the EHR page sends the
// browser to the app's launch URL with iss and launch, the app (demo
// app page, fhirclient) runs /authorize, the clinician consents (no
// patient picker), and the app shows the patient's name as the FHIR
// server has it. Screenshots of every page go to OUT_DIR/ehr.
import { AUTH_URL, FHIR_URL, check, startApp, launchBrowser, shot, env } from './lib.mjs';
import { demoApp } from './demoapp.mjs';

const USERNAME = env('CLINICIAN_USER', 'demo-clinician');
const PASSWORD = env('CLINICIAN_PASSWORD', 'demo-clinician-password');
const TEST = 'ehr';

let result;
const app = await startApp(demoApp((r) => { result = r; }));
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  await page.goto(AUTH_URL + '/ehr');
  await page.getByLabel('Username').waitFor();
  await shot(page, TEST, '1-login');
  await page.getByLabel('Username').fill(USERNAME);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();

  await page.getByRole('heading', { name: 'Demo EHR' }).waitFor();
  await shot(page, TEST, '2-ehr-patients');
  await page.locator('li', { hasText: 'Patient/4' }).getByRole('link').click();
  const record = page.getByRole('heading', { name: /^Record of / });
  await record.waitFor();
  const ehrName = (await record.innerText()).replace(/^Record of /, '').replace(/\s*Patient\/4$/, '').trim();
  const encounter = await page.locator('input[name="encounter"]:checked').getAttribute('value');
  check(encounter, 'no encounter of Patient/4 preselected');
  await page.getByLabel(/Demo SMART app/).check();
  await shot(page, TEST, '3-ehr-record');
  await page.getByRole('button', { name: 'Launch' }).click();

  await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
  await shot(page, TEST, '4-consent');
  const consentText = await page.locator('main').innerText();
  check(consentText.includes('Patient/4'), 'the consent page does not name the launch patient: ' + consentText);
  await page.getByRole('button', { name: 'Allow' }).click();

  await page.locator('#patient-name').waitFor();
  await shot(page, TEST, '5-app-shows-patient');
  const shown = await page.locator('#patient-name').innerText();

  // The name the app shows is the FHIR server's.
  check(result, 'the app never completed the launch');
  const tok = await fetch(AUTH_URL + '/token', {
    method: 'POST', headers: { authorization: 'Basic ' + Buffer.from('demo-system:demo-system-secret').toString('base64'), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&scope=system/Patient.read',
  }).then((r) => r.json());
  const fhirPatient = await fetch(FHIR_URL + '/Patient/4', { headers: { authorization: 'Bearer ' + tok.access_token, accept: 'application/fhir+json' } }).then((r) => r.json());
  const n = fhirPatient.name[0];
  const fhirName = n.text || [...(n.given ?? []), n.family].filter(Boolean).join(' ');
  check(shown === fhirName && ehrName === fhirName, `the app shows "${shown}", the EHR "${ehrName}", the FHIR server has "${fhirName}"`);
  check(result.patientId === '4' && result.readPatient === '4', 'patient in context: ' + JSON.stringify(result));
  check(result.encounterId === encounter && result.readEncounter === encounter && result.encounterSubject === 'Patient/4', `encounter ${encounter}: ` + JSON.stringify(result));
  check(result.needPatientBanner === false, 'need_patient_banner from the EHR page: ' + result.needPatientBanner);
  console.log(JSON.stringify({ ok: true, patientName: shown, encounter, ...result }));
} finally {
  await browser.close();
  app.close();
}
