// Credentials in a runbook's URL work wherever a URL is fetched: sent as Basic authorization, as
// curl sends them, since fetch refuses a URL that carries them. The servers here are local
// stand-ins that only check what arrives.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { watchAbortConditions } from '../../src/engine/abort-conditions.ts';
import { queryScalar } from '../../src/kube/traffic/prometheus.ts';
import { credentialsAsHeader } from '../../src/url-credentials.ts';

const basic = (userPass: string) => `Basic ${Buffer.from(userPass).toString('base64')}`;

describe('credentialsAsHeader', () => {
  test('leaves a URL without credentials as it is', () => {
    const request = credentialsAsHeader('https://prometheus.example/api/v1/query?x=1', { Accept: 'text/plain' });
    assert.equal(request.url, 'https://prometheus.example/api/v1/query?x=1');
    assert.equal(request.headers.get('authorization'), null);
    assert.equal(request.headers.get('accept'), 'text/plain');
    assert.deepEqual(request.secrets, []);
  });

  test('moves user and password into a Basic header, decoded, and names both as secrets', () => {
    const request = credentialsAsHeader('https://ops:p%40ss%3Aword@prometheus.example/x');
    assert.equal(request.url, 'https://prometheus.example/x');
    assert.equal(request.headers.get('authorization'), basic('ops:p@ss:word'));
    assert.deepEqual(request.secrets, ['p@ss:word', Buffer.from('ops:p@ss:word').toString('base64')]);
  });

  test('keeps an Authorization header given beside the URL', () => {
    const request = credentialsAsHeader('https://ops:secret@prometheus.example/', { Authorization: 'Bearer t' });
    assert.equal(request.url, 'https://prometheus.example/');
    assert.equal(request.headers.get('authorization'), 'Bearer t');
  });
});

describe('a URL with credentials, fetched', () => {
  const seen: (string | undefined)[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    seen.push(request.headers.authorization);
    request.resume();
    if (request.headers.authorization !== basic('ops:secret')) {
      response.writeHead(401).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(
      JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '42'] }] } }),
    );
  });
  const listening = new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://ops:secret@127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
  after(() => server.close());

  test('reaches Prometheus authenticated', async () => {
    const url = await listening;
    assert.equal(await queryScalar({ url }, 'up', AbortSignal.timeout(5000)), 42);
  });

  test('does not trip an abortIf http condition whose server answers it', async () => {
    const url = await listening;
    const reasons: string[] = [];
    seen.length = 0;
    const stop = watchAbortConditions([{ http: { url } }], {
      params: {},
      intervalMs: 20,
      onTrip: (reason) => reasons.push(reason),
      onProblem: (message) => reasons.push(message),
    });
    // Five samples' time: a probe that could not send its request would trip at the first.
    await new Promise((resolve) => setTimeout(resolve, 150));
    stop();
    assert.deepEqual(reasons, []);
    assert.ok(seen.length >= 2, `sampled ${String(seen.length)} times`);
    assert.ok(
      seen.every((header) => header === basic('ops:secret')),
      String(seen),
    );
  });
});
