// The self-service client registration portal in headless Chromium, as
// the CCRI's "Register a OAuth2 Client" path: sign in as demo-clinician,
// open "Self-service client registration", "+ New Client", register a
// client_credentials client (client_secret_basic, user/Patient.read),
// and read client_id and client_secret from the page. The last line of
// stdout is {"ok":true,"client_id":...,"client_secret":...} for the Go
// test (e2e/portal_test.go), which uses them; screenshots of the list,
// the form and the secret page go to OUT_DIR/register/.
import { AUTH_URL, check, launchBrowser, shot } from './lib.mjs';

const USER = process.env.PORTAL_USER ?? 'demo-clinician';
const PASSWORD = process.env.PORTAL_PASSWORD ?? 'demo-clinician-password';
const NAME = process.env.PORTAL_CLIENT_NAME ?? 'CCRI Postman (browser test)';

const browser = await launchBrowser();
try {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  // Script errors and CSP violations fail the test; so does any failed
  // request except the favicon browsers ask for on their own.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(r.status() + ' ' + r.url());
  });
  page.on('pageerror', (e) => problems.push(String(e)));

  // Sign in (the same login as the authorization-code flow).
  await page.goto(AUTH_URL + '/login');
  await page.getByLabel('Username').fill(USER);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState();

  // The menu entry, then the list of my clients.
  await page.getByRole('link', { name: 'Self-service client registration' }).click();
  await page.waitForURL(/\/portal\/clients$/);
  check(await page.getByRole('heading', { name: 'Self-service client registration' }).isVisible(), 'portal heading missing');
  await shot(page, 'register', '1-list');

  // + New Client: the form.
  await page.getByRole('link', { name: '+ New Client' }).click();
  await page.waitForURL(/\/portal\/clients\/new$/);
  await page.getByLabel('Client name').fill(NAME);
  await page.getByRole('radio', { name: /client_secret_basic/ }).check();
  await page.getByRole('checkbox', { name: /client_credentials/ }).check();
  await page.locator('input[type=checkbox][value="user/Patient.read"]').check();
  check(await page.locator('input[value^="system/"]').count() === 0, 'a clinician is offered system/ scopes');
  await page.getByLabel('Contacts').fill('integrations@example.com');
  await shot(page, 'register', '2-form');

  // Save: the id and the secret, shown once, each with a Copy button.
  await page.getByRole('button', { name: 'Register client' }).click();
  await page.waitForLoadState();
  check(await page.getByRole('heading', { name: 'Client registered' }).isVisible(), 'no "Client registered" page');
  const clientId = await page.getByLabel('Client id').inputValue();
  const clientSecret = await page.getByLabel('Client secret').inputValue();
  check(clientId && clientSecret, 'client id or secret missing on the page');
  check(await page.getByText('not shown again').isVisible(), 'no warning that the secret is not shown again');

  // The Copy button: our script (allowed by the page's CSP) un-hides it
  // and copies; the status line reports the copy.
  const copy = page.getByRole('button', { name: 'Copy client secret' });
  check(await copy.isVisible(), 'Copy button hidden: copy.js did not run');
  await copy.click();
  await page.getByText(/Client secret (copied|selected)/).waitFor({ timeout: 5000 });
  await shot(page, 'register', '3-secret');

  // Post/redirect/get: the secret page is a GET; reloading it registers
  // nothing more and no longer shows the secret, only that it was shown.
  check(/\/portal\/clients\/[^/]+\/credentials$/.test(page.url()), 'the secret page is not the credentials page: ' + page.url());
  await page.reload();
  await page.waitForLoadState();
  check(await page.getByLabel('Client secret').count() === 0, 'a reload shows the secret again');
  check(!(await page.content()).includes(clientSecret), 'a reload shows the secret again');
  check(await page.getByText('was shown once').isVisible(), 'no note that the secret was shown once');
  check(await page.getByLabel('Client id').inputValue() === clientId, 'the reloaded page lacks the client id');

  // The list shows the client; no page but that one shows the secret.
  await page.getByRole('link', { name: 'Back to your clients' }).click();
  await page.waitForURL(/\/portal\/clients$/);
  check(await page.getByRole('link', { name: NAME }).count() === 1, 'the new client is not in the list exactly once');
  check(!(await page.content()).includes(clientSecret), 'the list shows the secret');
  await shot(page, 'register', '4-list-after');

  check(problems.length === 0, 'browser errors: ' + problems.join('; '));
  console.log(JSON.stringify({ ok: true, client_id: clientId, client_secret: clientSecret }));
} finally {
  await browser.close();
}
