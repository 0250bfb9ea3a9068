// Shared helpers of the browser tests: environment, PKCE, the test app's
// redirect-URI server on 127.0.0.1:9999, and Chromium.
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export function env(name, fallback) {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`environment variable ${name} is required`);
  return v;
}

export const AUTH_URL = env('AUTH_URL');            // auth-server issuer
export const FHIR_URL = env('FHIR_URL');            // FHIR base, e.g. http://127.0.0.1:1234/STU3
export const OUT_DIR = env('OUT_DIR', new URL('./out', import.meta.url).pathname);
export const APP_ORIGIN = env('APP_ORIGIN', 'http://127.0.0.1:9999');
export const CLIENT_ID = env('CLIENT_ID', 'demo-smart-app');

export function pkce() {
  const verifier = randomBytes(48).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

export function check(cond, message) {
  if (!cond) throw new Error(message);
}

// startApp serves the test app on APP_ORIGIN with the given handler.
export async function startApp(handler) {
  const url = new URL(APP_ORIGIN);
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((err) => {
      console.error('app handler:', err);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(url.port), url.hostname, resolve);
  });
  return server;
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: env('CHROMIUM', '/usr/bin/chromium'),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

// shot saves a full-page screenshot under OUT_DIR/<test>/.
export async function shot(page, test, name) {
  const dir = join(OUT_DIR, test);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name + '.png');
  await page.screenshot({ path: file, fullPage: true });
  console.log('screenshot', file);
}

export function decodeJWT(tok) {
  return JSON.parse(Buffer.from(tok.split('.')[1], 'base64url').toString());
}
