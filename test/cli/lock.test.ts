// One drill at a time, and its audit trail, as users meet them: the real binary against the
// sandbox. Two runs of a runbook started together (one runs, the other is refused before any
// change, naming the holder), a holder that died (its lock expires; its rollback takes it over at
// once), --take-over-lock and what the displaced run then does, the permissions the lock and the
// Events need, and the Kubernetes Events a run leaves (`kubectl get events`).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { CoreV1Event } from '@kubernetes/client-node';
import type { RunEvent } from '../../src/engine/events.ts';
import { type Lease, microTime, readLease } from '../../src/kube/lease.ts';
import { apiRequest } from '../../src/kube/objects.ts';
import { adminKubeconfig, repoRoot, restrictedKubeconfig, sandboxBinDir } from '../support/paths.ts';
import { admin, core, testNamespace, waitFor } from '../support/sandbox.ts';

const cli = `${repoRoot}bin/kubectl-drill`;
const env = { ...process.env, CI: 'true' };
const LOCKS = 'kubectl-drill';

interface Exit {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the CLI to its end without blocking the test's event loop (two may run at once). */
function drill(args: string[], kubeconfig = adminKubeconfig): Promise<Exit> {
  const started = performance.now();
  const child = spawn(cli, [...args, '--kubeconfig', kubeconfig], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    child.on('close', (status) => {
      // oclif wraps an error's message over lines that begin with " ›": read it as one line.
      stderr = stderr.replace(/\s*\n ›\s*/g, ' ');
      resolve({ status, stdout, stderr, ms: Math.round(performance.now() - started) });
    });
  });
}

function journal(dir: string): RunEvent[] {
  return readFileSync(join(dir, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{') && line.endsWith('}'))
    .map((line) => JSON.parse(line) as RunEvent);
}

function runs(journalDir: string): string[] {
  return existsSync(journalDir) ? readdirSync(journalDir) : [];
}

const progress = (events: RunEvent[]) => events.flatMap((e) => (e.type === 'run.progress' ? [e.message] : []));

const namespace = await testNamespace('lock');
const leases: string[] = [];

/**
 * A runbook of its own (so its lock is the test's alone): patch ConfigMap `mark`, nap, patch it
 * again. Returns its file and its lock's name.
 */
function runbook(nap: string): { file: string; name: string; lock: string } {
  const name = `lock-${randomBytes(3).toString('hex')}`;
  const patch = (value: string) =>
    `{ apiVersion: v1, kind: ConfigMap, name: mark, namespace: ${namespace}, type: merge, patch: { data: { step: ${value} } } }`;
  const file = join(mkdtempSync(join(tmpdir(), 'drill-lock-')), `${name}.yaml`);
  writeFileSync(
    file,
    [
      'apiVersion: drill/v1',
      'kind: Runbook',
      `metadata: { name: ${name} }`,
      'spec:',
      '  params:',
      '    region: { default: ap-south }',
      '  steps:',
      `    - { id: mark, action: k8s.patch, with: ${patch('mark')} }`,
      `    - { id: nap, action: sleep, with: { duration: ${nap} } }`,
      `    - { id: mark-again, action: k8s.patch, with: ${patch('mark-again')} }`,
      '',
    ].join('\n'),
  );
  const lock = `drill-${name}.ap-south`;
  leases.push(lock);
  return { file, name, lock };
}

async function mark(): Promise<string | undefined> {
  return (await core.readNamespacedConfigMap({ namespace, name: 'mark' })).data?.step;
}

async function lease(name: string): Promise<Lease | undefined> {
  return readLease(admin, LOCKS, name);
}

/** Writes a Lease as another drill's would look, last renewed `renewedAgoMs` ago. */
async function leaseHeldBy(name: string, runId: string, renewedAgoMs: number): Promise<void> {
  const renewTime = microTime(new Date(Date.now() - renewedAgoMs));
  await apiRequest(admin, 'POST', `/apis/coordination.k8s.io/v1/namespaces/${LOCKS}/leases`, {
    body: {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name,
        namespace: LOCKS,
        annotations: {
          'drill.dev/run-id': runId,
          'drill.dev/user': 'ghost',
          'drill.dev/host': 'nowhere',
          'drill.dev/since': '2026-01-01T00:00:00.000Z',
        },
      },
      spec: { holderIdentity: `ghost@nowhere/${runId}`, leaseDurationSeconds: 30, acquireTime: renewTime, renewTime },
    },
  });
}

/** Moves a Lease's last renewal back in time, as if its holder had been dead for `agoMs`. */
async function ageLease(name: string, agoMs: number): Promise<void> {
  const current = await lease(name);
  assert.ok(current, `Lease ${name}`);
  const renewTime = microTime(new Date(Date.now() - agoMs));
  await apiRequest(admin, 'PUT', `/apis/coordination.k8s.io/v1/namespaces/${LOCKS}/leases/${name}`, {
    body: { ...current, spec: { ...current.spec, renewTime } },
  });
}

/** Starts a run and resolves once its journal shows the nap step started; the child keeps running. */
async function startNapping(file: string, journalDir: string, extra: string[] = []) {
  const child: ChildProcess = spawn(
    cli,
    ['run', file, '--yes', '--journal-dir', journalDir, '--kubeconfig', adminKubeconfig, ...extra],
    { env, stdio: 'ignore' },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor('the nap step to start', () => {
    const [run] = runs(journalDir);
    return Promise.resolve(
      run !== undefined && journal(join(journalDir, run)).some((e) => e.type === 'step.started' && e.step === 'nap'),
    );
  });
  const [runId = ''] = runs(journalDir);
  return { child, exited, runId };
}

/** A run killed with SIGKILL in the middle of its nap, after its first change. */
async function killedWhileNapping(file: string): Promise<{ journalDir: string; runId: string }> {
  const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
  const { child, exited, runId } = await startNapping(file, journalDir);
  child.kill('SIGKILL');
  await exited;
  return { journalDir, runId };
}

async function drillEvents(where: string, runId: string): Promise<CoreV1Event[]> {
  const { items } = await core.listNamespacedEvent({
    namespace: where,
    fieldSelector: 'reportingComponent=kubectl-drill',
  });
  return items.filter((e) => e.message?.startsWith(`run ${runId}:`));
}

describe('one drill at a time', () => {
  before(async () => {
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'mark' }, data: { step: 'none' } } });
  });

  beforeEach(async () => {
    await core.replaceNamespacedConfigMap({
      namespace,
      name: 'mark',
      body: { metadata: { name: 'mark' }, data: { step: 'none' } },
    });
  });

  after(async () => {
    for (const name of leases) {
      await apiRequest(admin, 'DELETE', `/apis/coordination.k8s.io/v1/namespaces/${LOCKS}/leases/${name}`).catch(
        () => undefined,
      );
    }
  });

  test('two runs started together: one runs, the other is refused before any change, naming the holder', async () => {
    const { file, name, lock } = runbook('2s');
    // The first round races to create the Lease, the second to update the released one.
    for (const round of ['no Lease yet', 'a released Lease']) {
      const dirs = [mkdtempSync(join(tmpdir(), 'drill-runs-')), mkdtempSync(join(tmpdir(), 'drill-runs-'))];
      const exits = await Promise.all(dirs.map((dir) => drill(['run', file, '--yes', '--journal-dir', dir])));
      assert.deepEqual(exits.map((e) => e.status).sort(), [0, 1], `${round}: ${exits.map((e) => e.stderr).join('\n')}`);
      const winner = exits.findIndex((e) => e.status === 0);
      const loser = 1 - winner;
      const [winnerRun] = runs(dirs[winner] ?? '');
      assert.ok(winnerRun);
      assert.deepEqual(runs(dirs[loser] ?? ''), [], `${round}: the refused run started no run`);
      const refused = exits[loser]?.stderr ?? '';
      assert.match(
        refused,
        new RegExp(
          `another drill of ${name} \\(region ap-south\\) holds its lock: \\S+ from host \\S+, run ${winnerRun}, since \\d{4}-`,
        ),
      );
      assert.match(refused, /nothing was changed/);
      assert.match(refused, new RegExp(`Lease ${LOCKS}/${lock}, holder \\S+@\\S+/${winnerRun}`));
      assert.match(refused, new RegExp(`kubectl drill rollback ${winnerRun} takes it over at once`));
      const events = journal(join(dirs[winner] ?? '', winnerRun));
      assert.equal(events.filter((e) => e.type === 'undo.recorded').length, 2, 'the winner made both its changes');
      assert.ok(progress(events).some((m) => m.includes(`holds the run lock ${LOCKS}/${lock}`)));
      console.log(
        `# ${round}: the refused run exited after ${exits[loser]?.ms} ms (the winner after ${exits[winner]?.ms} ms)`,
      );
      const released = await lease(lock);
      assert.equal(released?.spec.holderIdentity, undefined, 'released at the end of the run');
      assert.equal(released?.metadata.annotations?.['drill.dev/run-id'], undefined);
    }
  });

  test('a lock whose holder stopped renewing it is taken after its duration, not before', async () => {
    const { file, lock } = runbook('10ms');
    await leaseHeldBy(lock, 'ghost-run', 5_000);
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const refused = await drill(['run', file, '--yes', '--journal-dir', journalDir]);
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(
      refused.stderr,
      /holds its lock: ghost from host nowhere, run ghost-run, since 2026-01-01T00:00:00.000Z/,
    );
    assert.match(refused.stderr, /expires in 2\d\.\ds unless renewed/);
    assert.deepEqual(runs(journalDir), []);

    await ageLease(lock, 31_000);
    const ran = await drill(['run', file, '--yes', '--journal-dir', journalDir]);
    assert.equal(ran.status, 0, ran.stderr);
    const [run] = runs(journalDir);
    assert.ok(
      progress(journal(join(journalDir, run ?? ''))).some((m) =>
        m.includes('taken over from a holder whose lock had expired: ghost from host nowhere, run ghost-run'),
      ),
    );
    const after = await lease(lock);
    assert.equal(after?.spec.leaseTransitions, 1, 'the lock changed hands once');
    assert.equal(after.spec.holderIdentity, undefined);
  });

  test('--take-over-lock takes a live lock; the displaced run makes no further change, and its rollback waits', async () => {
    const { file, lock } = runbook('12s');
    const dirA = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const a = await startNapping(file, dirA);
    const dirB = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const plain = await drill(['run', file, '--yes', '--journal-dir', dirB, '--only', 'mark']);
    assert.equal(plain.status, 1, 'refused without the flag');
    const b = await drill(['run', file, '--yes', '--journal-dir', dirB, '--only', 'mark', '--take-over-lock']);
    assert.equal(b.status, 0, b.stderr);
    const [runB] = runs(dirB);
    assert.ok(
      progress(journal(join(dirB, runB ?? ''))).some((m) =>
        new RegExp(`taken over from a live holder \\(--take-over-lock\\): .*run ${a.runId}`).test(m),
      ),
    );

    // A notices at its next renewal (within 10s); its third step's change is refused before it is made.
    assert.equal(await a.exited, 1);
    const events = journal(join(dirA, a.runId));
    const again = events.find((e) => e.type === 'step.finished' && e.step === 'mark-again');
    assert.equal(again?.type === 'step.finished' && again.status, 'failed');
    assert.match(
      again?.type === 'step.finished' ? (again.error ?? '') : '',
      new RegExp(`the run lock ${LOCKS}/${lock} was taken over by .*: this change was not made`),
    );
    assert.ok(!events.some((e) => e.type === 'undo.recorded' && e.step === 'mark-again'));
    assert.ok(progress(events).some((m) => m.includes('was taken over by') && m.includes('makes no further change')));
    // Its rollback may not change anything either: the record stays pending for kubectl drill rollback.
    const undo = events.find((e) => e.type === 'undo.finished');
    assert.equal(undo?.type === 'undo.finished' && undo.result, 'failed');
    assert.equal(await mark(), 'mark');

    const rollback = await drill(['rollback', a.runId, '--journal-dir', dirA]);
    assert.equal(rollback.status, 0, rollback.stderr);
    assert.equal(await mark(), 'none');
  });

  test('a run killed outright: the next is refused; its rollback takes its lock over at once, and says so in Events', async () => {
    const { file, lock } = runbook('1m');
    const { journalDir, runId } = await killedWhileNapping(file);
    assert.equal(await mark(), 'mark');
    assert.equal((await lease(lock))?.metadata.annotations?.['drill.dev/run-id'], runId, 'the dead run holds it');

    const next = await drill(['run', file, '--yes', '--journal-dir', mkdtempSync(join(tmpdir(), 'drill-runs-'))]);
    assert.equal(next.status, 1);
    assert.match(next.stderr, new RegExp(`run ${runId}, since`));

    const rollback = await drill(['rollback', runId, '--journal-dir', journalDir]);
    assert.equal(rollback.status, 0, rollback.stderr);
    console.log(`# rollback of the killed run, its lock taken over at once: ${rollback.ms} ms`);
    assert.equal(await mark(), 'none');
    const events = journal(join(journalDir, runId));
    assert.ok(
      progress(events).some(
        (m) =>
          m.startsWith(`kubectl drill rollback holds the run lock ${LOCKS}/${lock}`) && m.includes('from its own run'),
      ),
    );
    assert.equal((await lease(lock))?.spec.holderIdentity, undefined, 'released after the rollback');

    // The rollback's Events, about the Lease (sent before the command exits).
    const rollbackEvents = (await drillEvents(LOCKS, runId)).filter((e) => e.reason === 'DrillRollback');
    assert.deepEqual(rollbackEvents.map((e) => `${e.type} ${e.involvedObject.kind}/${e.involvedObject.name}`).sort(), [
      `Normal Lease/${lock}`,
      `Warning Lease/${lock}`,
    ]);
    assert.ok(
      rollbackEvents.some(
        (e) =>
          e.message ===
          `run ${runId}: rolling back (kubectl drill rollback): 0 rollback steps, then 1 recorded changes`,
      ),
    );
  });

  test('each step that changes the cluster leaves Events about what it changed; kubectl get events shows them', async () => {
    const { file, lock } = runbook('10ms');
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const ran = await drill(['run', file, '--yes', '--journal-dir', journalDir]);
    assert.equal(ran.status, 0, ran.stderr);
    const [runId = ''] = runs(journalDir);
    const cm = await core.readNamespacedConfigMap({ namespace, name: 'mark' });
    const about = await drillEvents(namespace, runId);
    for (const step of ['mark', 'mark-again']) {
      const ofStep = about.filter((e) => e.message?.startsWith(`run ${runId}: step ${step} (k8s.patch) `));
      assert.deepEqual(
        ofStep.map((e) => `${e.type} ${e.reason}`).sort(),
        ['Normal DrillStepFinished', 'Normal DrillStepStarted'],
        step,
      );
      for (const event of ofStep) {
        assert.equal(event.involvedObject.kind, 'ConfigMap');
        assert.equal(event.involvedObject.name, 'mark');
        assert.equal(event.involvedObject.uid, cm.metadata?.uid, 'kubectl describe finds it by uid');
        assert.equal(event.reportingComponent, 'kubectl-drill');
        assert.equal(event.related?.name, lock);
      }
      assert.match(ofStep.find((e) => e.reason === 'DrillStepFinished')?.message ?? '', /succeeded in \d+ms$/);
    }
    assert.equal(about.length, 4, 'the nap changes nothing: no Event');
    const onLease = await drillEvents(LOCKS, runId);
    assert.deepEqual(
      onLease.map((e) => `${e.type} ${e.reason} ${e.involvedObject.kind}/${e.involvedObject.name}`).sort(),
      [`Normal DrillRunFinished Lease/${lock}`, `Normal DrillRunStarted Lease/${lock}`],
    );
    const kubectl = spawnSync(
      `${sandboxBinDir()}/kubectl`,
      ['get', 'events', '-n', namespace, '--kubeconfig', adminKubeconfig],
      { encoding: 'utf8' },
    );
    assert.match(
      kubectl.stdout,
      new RegExp(`Normal +DrillStepFinished +configmap/mark +run ${runId}: step mark-again`),
    );
  });

  test('a run killed outright: after its lock has expired, the next run takes it', async () => {
    const { file, lock } = runbook('1m');
    const { journalDir, runId } = await killedWhileNapping(file);
    // As if 31s had passed since the dead run last renewed its lock.
    await ageLease(lock, 31_000);
    const dir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const next = await drill(['run', file, '--yes', '--journal-dir', dir, '--only', 'mark']);
    assert.equal(next.status, 0, next.stderr);
    const [run = ''] = runs(dir);
    assert.ok(
      progress(journal(join(dir, run))).some((m) =>
        new RegExp(`taken over from a holder whose lock had expired: .*run ${runId}`).test(m),
      ),
    );
    const rollback = await drill(['rollback', runId, '--journal-dir', journalDir]);
    assert.equal(rollback.status, 0, rollback.stderr);
    assert.equal(await mark(), 'none');
  });

  test('--no-events leaves no Event; the lock and the Events need permissions, checked before the run', async () => {
    const { file, name } = runbook('10ms');
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const quiet = await drill(['run', file, '--yes', '--journal-dir', journalDir, '--no-events']);
    assert.equal(quiet.status, 0, quiet.stderr);
    const [run = ''] = runs(journalDir);
    assert.deepEqual(await drillEvents(namespace, run), []);
    assert.deepEqual(await drillEvents(LOCKS, run), []);
    assert.equal(await mark(), 'mark-again');

    const restricted = await drill(['run', file, '--yes', '--journal-dir', journalDir], restrictedKubeconfig);
    assert.equal(restricted.status, 1);
    // The restricted user may get (and list, and watch) anything.
    for (const verb of ['create', 'update']) {
      assert.match(
        restricted.stderr,
        new RegExp(`the run lock \\(context \\S+\\) needs: ${verb} leases.coordination.k8s.io in namespace "${LOCKS}"`),
      );
    }
    assert.match(
      restricted.stderr,
      new RegExp(
        `Kubernetes Events \\(--no-events turns them off\\) \\(context \\S+\\) needs: create events.events.k8s.io in namespace "${namespace}"`,
      ),
    );
    assert.match(restricted.stderr, new RegExp(`needs: create events.events.k8s.io in namespace "${LOCKS}"`));
    const withoutEvents = await drill(
      ['run', file, '--yes', '--journal-dir', journalDir, '--no-events'],
      restrictedKubeconfig,
    );
    assert.doesNotMatch(withoutEvents.stderr, /events\.events\.k8s\.io/);
    assert.match(withoutEvents.stderr, /the run lock .* needs: update leases/);
    assert.equal(runs(journalDir).length, 1, `no run of ${name} as the restricted user`);
  });
});
