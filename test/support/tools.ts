// The outside tools that judge our report files as their readers would: xmllint against the JUnit
// schema CI systems read, and headless Chromium (Debian's `chromium`) loading an HTML report with
// every host name unresolvable, so a page that tried to fetch anything could not.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.ts';

export const junitSchema = `${repoRoot}test/fixtures/junit/junit.xsd`;

/** xmllint's verdict on a JUnit document; fails the test with xmllint's words if invalid. */
export function assertValidJunit(xml: string): void {
  const file = join(mkdtempSync(join(tmpdir(), 'drill-junit-')), 'report.xml');
  writeFileSync(file, xml);
  const result = spawnSync('xmllint', ['--noout', '--schema', junitSchema, file], { encoding: 'utf8' });
  assert.equal(result.status, 0, `xmllint: ${result.stderr}`);
  assert.match(result.stderr, /validates/);
}

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--hide-scrollbars',
  '--no-first-run',
  '--host-resolver-rules=MAP * ~NOTFOUND',
];

/** The page as Chromium built it (its DOM after loading), and a screenshot of it. */
export function renderInChromium(html: string, screenshot?: string): { dom: string; screenshot: string } {
  const dir = mkdtempSync(join(tmpdir(), 'drill-html-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, html);
  const profile = [`--user-data-dir=${join(dir, 'profile')}`];
  const dumped = spawnSync('chromium', [...CHROMIUM_FLAGS, ...profile, '--dump-dom', `file://${file}`], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(dumped.status, 0, `chromium --dump-dom: ${dumped.stderr}`);
  const png = screenshot ?? join(dir, 'report.png');
  const shot = spawnSync(
    'chromium',
    [...CHROMIUM_FLAGS, ...profile, '--window-size=1100,1800', `--screenshot=${png}`, `file://${file}`],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(shot.status, 0, `chromium --screenshot: ${shot.stderr}`);
  assert.ok(statSync(png).size > 10_000, 'the screenshot shows something');
  return { dom: dumped.stdout, screenshot: png };
}

/** Nothing in the file that a browser would fetch, and no URL of any host. */
export function assertSelfContained(html: string): void {
  assert.doesNotMatch(html, /\b(src|href|xlink:href)\s*=/i, 'no src or href attribute');
  assert.doesNotMatch(html, /url\(|@import/i, 'no url() or @import in styles');
  assert.doesNotMatch(html, /<script|<link|<iframe|<img/i, 'no script, link, iframe or img element');
  assert.doesNotMatch(html, /[a-z][a-z0-9+.-]*:\/\//i, 'no URL of any scheme');
}
