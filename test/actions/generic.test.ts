// exec, manual, sleep and http.check: no cluster involved; HTTP only to a server of the test's own
// on 127.0.0.1.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import exec from '../../src/actions/generic/exec.ts';
import manual from '../../src/actions/generic/manual.ts';
import sleep from '../../src/actions/generic/sleep.ts';
import httpCheck from '../../src/actions/http/check.ts';
import { actionContext, planAction, runAction } from '../support/actions.ts';

/** Runs an action, aborting it after `abortAfterMs`; resolves with its error and how long it ran. */
async function abortedAfter(
  abortAfterMs: number,
  run: (signal: AbortSignal) => Promise<unknown>,
): Promise<{ error: unknown; ms: number }> {
  const controller = new AbortController();
  const started = performance.now();
  setTimeout(() => controller.abort(new Error('interrupted')), abortAfterMs);
  try {
    await run(controller.signal);
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
  throw new Error('the action was not aborted');
}

/** Whether a process runs; a zombie (killed, not yet reaped by whoever adopted it) does not. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

describe('exec', () => {
  test('runs the command with sh, extra environment variables, and returns its output', async () => {
    const result = await runAction(exec, { command: 'echo "hello $WHO"; echo note >&2', env: { WHO: 'drill' } });
    assert.deepEqual(result.outputs, { exitCode: 0, stdout: 'hello drill' });
    const plan = await planAction(exec, { command: 'deploy.sh', env: { TOKEN: 'secret-value' } });
    assert.deepEqual(plan, { summary: 'run: deploy.sh', details: ['environment: TOKEN'] });
  });

  test('a non-zero exit fails with the code and the end of stderr', async () => {
    await assert.rejects(runAction(exec, { command: 'for i in $(seq 1 30); do echo "line $i" >&2; done; exit 3' }), {
      message: `exited with code 3; stderr ends:\n${Array.from({ length: 10 }, (_, i) => `line ${i + 21}`).join('\n')}`,
    });
  });

  test('output is kept to its last few KiB', async () => {
    const result = await runAction(exec, { command: 'head -c 100000 /dev/zero | tr "\\0" x; echo; echo end' });
    const stdout = result.outputs.stdout as string;
    assert.ok(stdout.length < 5000, `${stdout.length} characters`);
    assert.match(stdout, /^\[95\d\d\d earlier bytes cut\]\nx+\nend$/);
  });

  test('a timeout kills the command and everything it started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drill-exec-'));
    const pidFile = join(dir, 'pid');
    const started = performance.now();
    await assert.rejects(
      runAction(exec, { command: `sleep 30 & echo $! > ${pidFile}; echo waiting >&2; wait`, timeout: '500ms' }),
      { message: 'timed out after 500ms and was killed; stderr ends:\nwaiting' },
    );
    assert.ok(performance.now() - started < 3000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    // SIGTERM reaches the whole group at once, but the sleep may take a moment to die.
    for (const deadline = Date.now() + 1000; isRunning(pid) && Date.now() < deadline;) await delay(20);
    assert.equal(isRunning(pid), false, 'the background sleep was killed with its group');
  });

  test("the step's timeout applies when the step sets none", async () => {
    await assert.rejects(runAction(exec, { command: 'sleep 30' }, { timeoutMs: 300 }), /^Error: timed out after 300ms/);
  });

  test('an abort stops the command at once', async () => {
    const { error, ms } = await abortedAfter(200, (signal) =>
      runAction(exec, { command: 'trap "" TERM; sleep 30' }, { signal }),
    );
    assert.equal((error as Error).message, 'interrupted');
    // The shell ignores SIGTERM: it takes the SIGKILL after the grace period.
    assert.ok(ms < 3000, `took ${Math.round(ms)} ms`);
  });

  test('a process left running in the background does not hold the step', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drill-exec-'));
    const started = performance.now();
    const result = await runAction(exec, { command: `(sleep 2; touch ${join(dir, 'done')}) & echo started` });
    assert.equal(result.outputs.stdout, 'started');
    assert.ok(performance.now() - started < 1500);
    assert.equal(existsSync(join(dir, 'done')), false);
  });
});

describe('manual', () => {
  test('asks the question and outputs the answer', async () => {
    const result = await runAction(manual, { instructions: 'Set the GSLB weight to 0.', confirm: 'Is the weight 0?' });
    assert.deepEqual(result.outputs, { answer: 'yes' });
    assert.deepEqual(result.recorded.questions, ['Is the weight 0?']);
  });

  test('a "no" fails the step, quoting the question', async () => {
    await assert.rejects(runAction(manual, { instructions: 'Page the DBA.' }, { answer: false }), {
      message: 'the operator answered no to "Is it done?"',
    });
  });

  test('an abort ends the wait for an answer', async () => {
    const controller = new AbortController();
    const { context } = actionContext({ signal: controller.signal });
    // Nobody answers.
    const unanswered = { ...context, confirm: () => new Promise<boolean>(() => undefined) };
    setTimeout(() => controller.abort(new Error('interrupted')), 100);
    assert.ok(manual.execute);
    await assert.rejects(manual.execute({ instructions: 'Wait forever.' }, unanswered), { message: 'interrupted' });
  });
});

describe('sleep', () => {
  test('sleeps for the duration', async () => {
    const started = performance.now();
    await runAction(sleep, { duration: '300ms' });
    assert.ok(performance.now() - started >= 299);
  });

  test('an abort ends it early with the reason', async () => {
    const { error, ms } = await abortedAfter(100, (signal) => runAction(sleep, { duration: '1h' }, { signal }));
    assert.equal((error as Error).message, 'interrupted');
    assert.ok(ms < 500);
  });
});

describe('http.check', () => {
  let baseUrl = '';
  let flakyCalls = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    switch (request.url) {
      case '/healthz':
        response.end('status: ok\n');
        return;
      case '/flaky':
        flakyCalls++;
        response.statusCode = flakyCalls < 3 ? 503 : 200;
        response.end(flakyCalls < 3 ? 'upstream unavailable' : 'ok');
        return;
      case '/moved':
        response.writeHead(301, { location: '/healthz' }).end();
        return;
      case '/slow':
        setTimeout(() => response.end('late'), 5000).unref();
        return;
      default:
        response.statusCode = 404;
        response.end('no such page');
    }
  });

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test('checks the status and the body', async () => {
    const result = await runAction(httpCheck, { url: `${baseUrl}/healthz`, bodyContains: 'status: ok' });
    assert.deepEqual(result.outputs, { status: 200 });
    await assert.rejects(runAction(httpCheck, { url: `${baseUrl}/healthz`, bodyContains: 'degraded' }), {
      message: `GET ${baseUrl}/healthz: the body does not contain "degraded"; body: status: ok`,
    });
    await assert.rejects(runAction(httpCheck, { url: `${baseUrl}/missing` }), {
      message: `GET ${baseUrl}/missing: got status 404, expected 200; body: no such page`,
    });
    const moved = await runAction(httpCheck, { url: `${baseUrl}/moved`, expectStatus: 301 });
    assert.deepEqual(moved.outputs, { status: 301 });
  });

  test('retries after a delay until the check passes', async () => {
    flakyCalls = 0;
    const result = await runAction(httpCheck, { url: `${baseUrl}/flaky`, retries: 3 });
    assert.deepEqual(result.outputs, { status: 200 });
    assert.deepEqual(
      result.recorded.progress.map((p) => p.message),
      [1, 2].map((n) => `got status 503, expected 200; body: upstream unavailable (attempt ${n} of 4); retrying`),
    );
    flakyCalls = 0;
    await assert.rejects(runAction(httpCheck, { url: `${baseUrl}/flaky`, retries: 1 }), /\(attempt 2 of 2\)$/);
  });

  test('a request that takes too long fails; an abort stops it at once', async () => {
    await assert.rejects(runAction(httpCheck, { url: `${baseUrl}/slow`, timeout: '200ms' }), {
      message: `GET ${baseUrl}/slow: no response within 200ms`,
    });
    const { error, ms } = await abortedAfter(100, (signal) =>
      runAction(httpCheck, { url: `${baseUrl}/slow`, retries: 5 }, { signal }),
    );
    assert.equal((error as Error).message, 'interrupted');
    assert.ok(ms < 500);
  });

  test('a refused connection is a failed check', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(runAction(httpCheck, { url: `http://127.0.0.1:${port}/` }), {
      message: `GET http://127.0.0.1:${port}/: request failed: ECONNREFUSED`,
    });
  });
});
