// Shell completion as kubectl's plugin completion calls it: the words after `drill`, the last being
// completed; the answer is cobra's __complete format, candidates then `:<directive>`.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../support/paths.ts';
import { complete, Directive, type Manifest } from '../../src/ui/completion/complete.ts';

const option = (name: string, extra: object = {}) => ({ name, type: 'option' as const, ...extra });
const manifest: Manifest = {
  commands: {
    run: {
      summary: 'Run a runbook.',
      flags: {
        from: option('from', { description: 'Start at this step.' }),
        only: option('only'),
        set: option('set'),
        context: option('context'),
        kubeconfig: option('kubeconfig'),
        'journal-dir': option('journal-dir'),
        output: option('output', { char: 'o', options: ['text', 'json'] }),
        yes: { name: 'yes', char: 'y', type: 'boolean' },
        events: { name: 'events', type: 'boolean', allowNo: true },
      },
    },
    rollback: { summary: 'Roll back a run.', flags: { 'journal-dir': option('journal-dir') } },
    report: { summary: 'Report a run.', flags: { 'journal-dir': option('journal-dir') } },
    explain: { summary: 'Describe an action.', flags: {} },
    init: { summary: 'Write a starter runbook.', flags: { template: option('template', { options: ['a', 'b'] }) } },
  },
};

const runbook = `apiVersion: drill/v1
kind: Runbook
metadata: { name: demo }
spec:
  params:
    region: { default: eu-west, description: Region to evacuate }
    zone: {}
  steps:
    - { id: cordon, name: Cordon the zone, action: nodes.cordon, with: { selector: a=b } }
    - { id: drain, action: nodes.drain, with: { selector: a=b } }
`;

function workspace() {
  const cwd = mkdtempSync(join(tmpdir(), 'drill-complete-'));
  mkdirSync(join(cwd, 'runbooks', 'team'), { recursive: true });
  mkdirSync(join(cwd, 'manifests'));
  mkdirSync(join(cwd, 'node_modules', 'x'), { recursive: true });
  writeFileSync(join(cwd, 'runbooks', 'zone.yaml'), runbook);
  writeFileSync(join(cwd, 'runbooks', 'team', 'other.yml'), runbook);
  writeFileSync(join(cwd, 'top.yaml'), `# a comment\n${runbook}`);
  writeFileSync(join(cwd, 'manifests', 'deployment.yaml'), 'apiVersion: apps/v1\nkind: Deployment\n');
  writeFileSync(join(cwd, 'node_modules', 'x', 'r.yaml'), runbook);
  return cwd;
}

async function answer(cwd: string, words: string[], env: NodeJS.ProcessEnv = {}) {
  const text = await complete(words, { cwd, env: { HOME: cwd, ...env }, root: repoRoot }, manifest);
  const lines = text.trimEnd().split('\n');
  return { candidates: lines.slice(0, -1), directive: Number(lines.at(-1)?.slice(1)) };
}

describe('kubectl_complete-drill', () => {
  it('completes commands, then flags of the command', async () => {
    const cwd = workspace();
    assert.deepEqual(await answer(cwd, ['r']), {
      candidates: ['run\tRun a runbook.', 'rollback\tRoll back a run.', 'report\tReport a run.'],
      directive: Directive.noFileComp,
    });
    const flags = await answer(cwd, ['run', 'x.yaml', '--e']);
    assert.deepEqual(flags.candidates, ['--events']);
    assert.deepEqual((await answer(cwd, ['run', '--no'])).candidates, ['--no-events']);
    assert.ok((await answer(cwd, ['run', '--'])).candidates.includes('--from\tStart at this step.'));
  });

  it('offers runbook files under the cwd and its subfolders, not other YAML', async () => {
    const cwd = workspace();
    assert.deepEqual(await answer(cwd, ['run', '']), {
      candidates: ['top.yaml', 'runbooks/zone.yaml', 'runbooks/team/other.yml'],
      directive: Directive.noFileComp,
    });
    assert.deepEqual((await answer(cwd, ['run', 'runbooks/t'])).candidates, ['runbooks/team/other.yml']);
  });

  it('without a runbook to offer, lets the shell complete .yaml and .yml files', async () => {
    const cwd = workspace();
    assert.deepEqual(await answer(cwd, ['run', 'manifests/']), {
      candidates: ['yaml', 'yml'],
      directive: Directive.filterFileExt,
    });
  });

  it('offers the step ids of the runbook on the line for --from and --only, in order', async () => {
    const cwd = workspace();
    assert.deepEqual(await answer(cwd, ['run', 'runbooks/zone.yaml', '--from', '']), {
      candidates: ['cordon\tCordon the zone', 'drain'],
      directive: Directive.noFileComp | Directive.keepOrder,
    });
    assert.deepEqual((await answer(cwd, ['run', 'runbooks/zone.yaml', '--only=d'])).candidates, ['--only=drain']);
  });

  it('offers name= for each param for --set, without a space after it', async () => {
    const cwd = workspace();
    assert.deepEqual(await answer(cwd, ['run', 'runbooks/zone.yaml', '-y', '--set', '']), {
      candidates: ['region=\tRegion to evacuate', 'zone='],
      directive: Directive.noFileComp | Directive.noSpace,
    });
  });

  it('offers a flag its options, and values after -o', async () => {
    const cwd = workspace();
    assert.deepEqual(await answer(cwd, ['run', '-o', 'j']), { candidates: ['json'], directive: Directive.noFileComp });
    assert.deepEqual((await answer(cwd, ['init', '--template', ''])).candidates, ['a', 'b']);
  });

  it('offers run ids of the journal dir, newest first', async () => {
    const cwd = workspace();
    const runs = join(cwd, 'runs');
    for (const [index, id] of ['zone-1', 'zone-2'].entries()) {
      mkdirSync(join(runs, id), { recursive: true });
      writeFileSync(join(runs, id, 'journal.jsonl'), '');
      const { utimesSync } = await import('node:fs');
      utimesSync(join(runs, id), 1000 + index, 1000 + index);
    }
    mkdirSync(join(runs, 'not-a-run'));
    assert.deepEqual(await answer(cwd, ['rollback', '--journal-dir', 'runs', '']), {
      candidates: ['zone-2', 'zone-1'],
      directive: Directive.noFileComp | Directive.keepOrder,
    });
    assert.deepEqual((await answer(cwd, ['rollback', ''], { KUBECTL_DRILL_HOME: cwd })).candidates, [
      'zone-2',
      'zone-1',
    ]);
  });

  it('offers the contexts of the kubeconfig, never its credentials', async () => {
    const cwd = workspace();
    const kubeconfig = (contexts: string) => `apiVersion: v1
kind: Config
clusters: [{ name: c1, cluster: { server: https://127.0.0.1:6443 } }]
users: [{ name: admin, user: { token: s3cr3t-token } }]
contexts: ${contexts}
`;
    writeFileSync(
      join(cwd, 'one'),
      kubeconfig('[{ name: prod, context: { cluster: c1, user: admin, namespace: shop } }]'),
    );
    writeFileSync(
      join(cwd, 'two'),
      kubeconfig('[{ name: prod, context: { cluster: other } }, { name: staging, context: { cluster: c1 } }]'),
    );
    const merged = await answer(cwd, ['run', 'x.yaml', '--context', ''], { KUBECONFIG: `${cwd}/one:${cwd}/two` });
    assert.deepEqual(merged.candidates, ['prod\tcluster c1, namespace shop', 'staging\tcluster c1']);
    const given = await answer(cwd, ['run', '--kubeconfig', 'two', '--context', 'p']);
    assert.deepEqual(given.candidates, ['prod\tcluster other']);
    assert.doesNotMatch(JSON.stringify([merged, given]), /s3cr3t|admin/);
  });

  it('offers explain actions, then their fields, from the published schema', async () => {
    const cwd = workspace();
    assert.ok((await answer(cwd, ['explain', 'nodes.d'])).candidates[0]?.startsWith('nodes.drain\t'));
    const fields = (await answer(cwd, ['explain', 'nodes.drain.par'])).candidates;
    assert.deepEqual(fields, ['nodes.drain.parallelism\tHow many nodes to drain at the same time.']);
    assert.ok(
      (await answer(cwd, ['explain', 'traffic.drain.measure.'])).candidates.some((c) =>
        c.startsWith('traffic.drain.measure.source\t'),
      ),
    );
  });
});
