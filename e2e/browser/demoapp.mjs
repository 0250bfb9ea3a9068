// The demo SMART app demo-smart-app as a page of its own on APP_ORIGIN:
// its launch URL (/launch, config/clients.yaml launch_uri) takes the EHR
// launch's iss and launch and hands them to SMART Health IT's fhirclient,
// unmodified (FHIR.oauth2.authorize({iss, launch, ...}) in its Node
// form); its redirect URI (/callback) lets fhirclient exchange the code,
// then reads the patient and the encounter in context from the FHIR
// server and shows the patient's name.
import smart from 'fhirclient';
import { APP_ORIGIN, CLIENT_ID } from './lib.mjs';

export const EHR_SCOPE = 'launch launch/encounter openid fhirUser profile offline_access patient/*.read';

function escapeHTML(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

// patientName is how the app shows a STU3 Patient's first name.
export function patientName(p) {
  const n = p.name?.[0];
  if (!n) return '(no name)';
  return n.text || [...(n.given ?? []), n.family].filter(Boolean).join(' ');
}

// demoApp returns the app's request handler; onResult receives what the
// app learnt once a launch completed.
export function demoApp(onResult) {
  const session = {}; // fhirclient keeps its state in req.session
  return async (req, res) => {
    req.session = session;
    const u = new URL(req.url, APP_ORIGIN);
    if (u.pathname === '/launch') {
      await smart(req, res).authorize({
        iss: u.searchParams.get('iss'), launch: u.searchParams.get('launch'),
        clientId: CLIENT_ID, redirectUri: APP_ORIGIN + '/callback', scope: EHR_SCOPE, pkceMode: 'required',
      });
      return;
    }
    if (u.pathname === '/callback') {
      const client = await smart(req, res).ready();
      const patient = await client.patient.read();
      const encounter = client.encounter.id ? await client.encounter.read() : null;
      const tr = client.state.tokenResponse ?? {};
      const result = {
        patientId: client.patient.id, patientName: patientName(patient), readPatient: patient.id,
        encounterId: client.encounter.id, readEncounter: encounter?.id ?? null,
        encounterSubject: encounter?.subject?.reference ?? null,
        fhirContext: tr.fhirContext ?? null, needPatientBanner: tr.need_patient_banner, intent: tr.intent ?? null,
        fhirUser: client.getFhirUser(),
      };
      onResult(result);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>Demo SMART app</title><h1>Demo SMART app</h1>
<p>Patient: <strong id="patient-name">${escapeHTML(result.patientName)}</strong> (Patient/${escapeHTML(result.patientId)})</p>
<p>Encounter: ${escapeHTML(result.encounterId ?? 'none')}</p>
<pre>${escapeHTML(JSON.stringify(result, null, 2))}</pre>`);
      return;
    }
    res.writeHead(404); res.end();
  };
}
