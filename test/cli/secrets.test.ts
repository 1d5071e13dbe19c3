// No secret anywhere (issue 9): secrets planted in a runbook (a secret param given with --set, a
// secret default, an exec environment, a URL's password, request headers, a response that echoes
// them, a failing command that prints them), then every artefact read back: every file of the run
// folder, stdout and stderr of run, --dry-run and rollback. None may hold a planted secret; the
// masks must be where the secrets would have been; the run folder is its owner's alone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunEvent } from '../../src/engine/events.ts';
import type { Report } from '../../src/report/model.ts';
import { adminKubeconfig, repoRoot } from '../support/paths.ts';

const cli = `${repoRoot}bin/kubectl-drill`;
const runbook = `${repoRoot}test/fixtures/runbooks/e2e/secrets.yaml`;
const MASK = '***';

const TOKEN = 'planted-token-7f3a9c';
/** The runbook's own secrets: its copy in the run folder keeps them, nothing else may. */
const IN_RUNBOOK = ['planted-default-pager', 'planted-env-key', 'planted-url-password', 'planted-api-key'];
/** What a server sees of the URL's credentials, and may echo. */
const BASIC = Buffer.from('drill:planted-url-password').toString('base64');
const PLANTED = [TOKEN, ...IN_RUNBOOK, BASIC];

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking this process, whose HTTP server the drill talks to. */
function drill(args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cli, [...args, '--kubeconfig', adminKubeconfig], {
      env: { ...process.env, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Checks the credentials the drill sends, and echoes them in /echo's error, as a debug endpoint might. */
function answer(request: IncomingMessage): { status: number; body: string } {
  const { authorization, 'x-api-key': apiKey } = request.headers;
  switch (request.url) {
    case '/basic':
      return authorization === `Basic ${BASIC}` ? { status: 200, body: 'ok' } : { status: 401, body: 'no' };
    case '/bearer':
      return authorization === `Bearer ${TOKEN}` && apiKey === 'planted-api-key'
        ? { status: 200, body: 'ok' }
        : { status: 401, body: 'no' };
    default: {
      const decoded = Buffer.from((authorization ?? '').replace('Basic ', ''), 'base64').toString();
      return { status: 500, body: `you sent authorization=${authorization} (${decoded}) x-api-key=${String(apiKey)}` };
    }
  }
}

function assertNoSecret(where: string, text: string, secrets: readonly string[] = PLANTED): void {
  for (const secret of secrets) assert.ok(!text.includes(secret), `${where} holds the planted "${secret}"`);
}

/** Every file of a run folder, which must be its owner's alone; runbook.yaml is the runbook as given. */
function assertRunFolder(dir: string): string {
  assert.equal(statSync(dir).mode & 0o777, 0o700, `${dir} is 0700`);
  const files = readdirSync(dir).sort();
  assert.deepEqual(files, ['journal.jsonl', 'report.json', 'runbook.yaml']);
  let all = '';
  for (const file of files) {
    const path = join(dir, file);
    assert.equal(statSync(path).mode & 0o777, 0o600, `${file} is 0600`);
    const text = readFileSync(path, 'utf8');
    if (file === 'runbook.yaml') {
      // The user's own file, as it ran: its secret defaults, but never a --set value.
      assert.equal(text, readFileSync(runbook, 'utf8'));
      assertNoSecret(file, text, [TOKEN]);
    } else {
      assertNoSecret(file, text);
      all += text;
    }
  }
  return all;
}

function journalOf(dir: string): RunEvent[] {
  return readFileSync(join(dir, 'journal.jsonl'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as RunEvent);
}

function onlyRun(journalDir: string): string {
  const runs = readdirSync(journalDir);
  assert.equal(runs.length, 1, `one run folder in ${journalDir}`);
  return join(journalDir, runs[0] ?? '');
}

describe('secrets', () => {
  let server: Server;
  let endpoint: string;
  const work = mkdtempSync(join(tmpdir(), 'drill-secrets-'));
  const sets = (outFile: string) => [
    '--set',
    `token=${TOKEN}`,
    '--set',
    `endpoint=${endpoint}`,
    '--set',
    `outFile=${outFile}`,
  ];

  before(async () => {
    server = createServer((request, response) => {
      const { status, body } = answer(request);
      response.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
  });

  test('a failed run, then rollback: no planted secret in any file, stdout or stderr; masks where they were', async () => {
    const journalDir = join(work, 'runs');
    const outFile = join(work, 'revoked-token');
    const run = await drill([
      'run',
      runbook,
      '--yes',
      '--journal-dir',
      journalDir,
      '--rollback',
      'never',
      ...sets(outFile),
    ]);
    assert.equal(run.status, 1, run.stderr);
    assertNoSecret('stdout of run', run.stdout);
    assertNoSecret('stderr of run', run.stderr);
    const dir = onlyRun(journalDir);
    assertRunFolder(dir);

    // The credentials were sent (the server checked them), and shown masked wherever they went.
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
    const step = (id: string) => report.steps.find((s) => s.id === id);
    assert.equal(step('basic-auth')?.status, 'succeeded');
    assert.equal(step('header-auth')?.status, 'succeeded');
    assert.equal(step('echo-secrets')?.outputs.stdout, `token=${MASK} key=${MASK} pager=${MASK}`);
    assert.equal(step('echo-headers')?.status, 'failed');
    assert.match(
      step('echo-headers')?.error ?? '',
      /^GET http:\/\/drill:\*\*\*@127\.0\.0\.1:\d+\/echo: got status 500/,
    );
    assert.match(
      step('echo-headers')?.error ?? '',
      /authorization=Basic \*\*\* \(drill:\*\*\*\) x-api-key=\*\*\*/,
      'the echoed credentials are masked',
    );
    assert.equal(
      step('fail-with-secret')?.error,
      `exited with code 3; stderr ends:\nlogin refused for ${MASK} with ${MASK}`,
    );
    assert.deepEqual(report.params, { token: MASK, pager: MASK, endpoint, outFile });
    const started = journalOf(dir)[0];
    assert.deepEqual(started?.type === 'run.started' && started.params, report.params);
    assert.match(run.stdout, /login refused for \*\*\* with \*\*\*/, 'the summary shows the masked reason');
    assert.match(run.stderr, /echo-secrets: A command that prints its secrets/, 'the plain lines were written');

    // The token is kept nowhere: rollback needs it again, and says which step does.
    const runId = dir.split('/').at(-1) ?? '';
    const refused = await drill(['rollback', runId, '--journal-dir', journalDir]);
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, /rollback step "revoke" uses secret param "token"/);
    assert.match(refused.stderr, /token=VALUE/);
    const notSecret = await drill(['rollback', runId, '--journal-dir', journalDir, '--set', 'endpoint=x']);
    assert.equal(notSecret.status, 2, notSecret.stderr);
    assert.match(notSecret.stderr, /only secret params \(token, pager\) can be given/);

    const rollback = await drill(['rollback', runId, '--journal-dir', journalDir, '--set', `token=${TOKEN}`]);
    assert.equal(rollback.status, 0, rollback.stderr);
    assert.equal(readFileSync(outFile, 'utf8'), TOKEN, 'the rollback step was given the real token');
    for (const result of [refused, notSecret, rollback]) {
      assertNoSecret('stdout of rollback', result.stdout);
      assertNoSecret('stderr of rollback', result.stderr);
    }
    assertRunFolder(dir);
    assert.ok(
      journalOf(dir).some((e) => e.type === 'step.finished' && e.step === 'revoke' && e.status === 'succeeded'),
    );
  });

  test('-o json, and the run rolling itself back with the token it was given', async () => {
    const journalDir = join(work, 'runs-json');
    const outFile = join(work, 'revoked-token-json');
    const run = await drill(['run', runbook, '--yes', '--journal-dir', journalDir, '-o', 'json', ...sets(outFile)]);
    assert.equal(run.status, 1, run.stderr);
    assertNoSecret('stdout of run -o json', run.stdout);
    assertNoSecret('stderr of run -o json', run.stderr);
    const report = JSON.parse(run.stdout) as Report;
    assert.equal(report.rollback?.status, 'succeeded');
    assert.equal(report.params.token, MASK);
    assert.equal(readFileSync(outFile, 'utf8'), TOKEN);
    assertRunFolder(onlyRun(journalDir));
  });

  test('--dry-run, text and json: the plan shows masks, never the secrets', async () => {
    const outFile = join(work, 'never-written');
    const text = await drill(['run', runbook, '--dry-run', ...sets(outFile)]);
    const json = await drill(['run', runbook, '--dry-run', '-o', 'json', ...sets(outFile)]);
    for (const result of [text, json]) {
      assert.equal(result.status, 0, result.stderr);
      assertNoSecret('stdout of --dry-run', result.stdout);
      assertNoSecret('stderr of --dry-run', result.stderr);
    }
    assert.ok(text.stdout.includes(`run: echo "token=${MASK} key=$SERVICE_KEY pager=${MASK}"`), text.stdout);
    assert.ok(text.stdout.includes(`GET http://drill:${MASK}@${endpoint}/basic`), text.stdout);
    assert.ok(text.stdout.includes('headers: Authorization, X-Api-Key'), text.stdout);
    assert.ok(json.stdout.includes(`login refused for ${MASK} with $SERVICE_KEY`), json.stdout);
  });
});
