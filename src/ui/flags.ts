// Flags shared by commands, named and shaped as kubectl's.
import { Flags } from '@oclif/core';
import type { ConnectionOptions } from '../kube/cluster.ts';
import { ROLLBACK_POLICIES, type RollbackPolicy } from '../engine/rollback-policy.ts';
import { parseDuration } from '../runbook/duration.ts';
import { DNS_LABEL_PATTERN } from '../runbook/dns-label.ts';

export const connectionFlags = {
  kubeconfig: Flags.custom({
    description: 'Path to the kubeconfig file (default: $KUBECONFIG, ~/.kube/config).',
    parse: async (value) => {
      await readableFile('--kubeconfig', value);
      return value;
    },
  })(),
  context: Flags.string({ description: 'The kubeconfig context to use.' }),
  namespace: Flags.custom({
    char: 'n',
    description: 'The namespace for steps that name none.',
    parse: (value) => {
      if (new RegExp(DNS_LABEL_PATTERN).test(value) && value.length <= 63) return Promise.resolve(value);
      throw new Error(`--namespace "${value}": a namespace is lower-case letters, digits and "-" (at most 63)`);
    },
  })(),
  'request-timeout': Flags.custom<number>({
    description: 'How long a single API request may take before giving up, like 30s or 1m (0: no limit).',
    parse: (value) => Promise.resolve(requestTimeoutMs(value)),
    default: 0,
  })(),
};

/** -o text|json, for the commands whose output is data. */
export const outputFlag = Flags.string({
  char: 'o',
  description: 'Output format.',
  options: ['text', 'json'],
  default: 'text',
});

export const yesFlag = Flags.boolean({
  char: 'y',
  description: 'Do not ask: run every step, auto-confirm manual steps.',
});

export const journalDirFlag = Flags.string({
  description: 'Where run folders are (default $KUBECTL_DRILL_HOME/runs, ~/.kube/drill/runs).',
});

export const setFlag = Flags.string({
  description: 'Give a param a value, as name=value; repeatable.',
  multiple: true,
});

/** When a run that stops short of success is rolled back (engine/runner.ts). */
export const rollbackPolicyFlag = Flags.custom<RollbackPolicy>({
  description:
    'When to roll back a run that stops short of success: always (a failure, an abort or an interruption), ' +
    'on-failure (not after an interruption), never (leave it to kubectl drill rollback).',
  options: [...ROLLBACK_POLICIES],
  default: 'always',
})();

/** Displacing another run's lock (engine/run-lock.ts). */
export const takeOverLockFlag = Flags.boolean({
  description:
    "Take the drill's lock even if another run holds it (that run makes no further change once it notices, " +
    'within 10s). Without it a run is refused while another run of the runbook (and region) holds the lock.',
});

/** The cluster's audit trail (engine/audit-trail.ts). */
export const eventsFlag = Flags.boolean({
  description: 'Record Kubernetes Events for each step that changes the cluster (--no-events: none).',
  default: true,
  allowNo: true,
});

export function connectionOptions(flags: {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  'request-timeout': number;
}): ConnectionOptions {
  return {
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    namespace: flags.namespace,
    requestTimeoutMs: flags['request-timeout'],
  };
}

/** A flag naming a file that must be there and readable: said at once, before anything is loaded. */
async function readableFile(flag: string, path: string): Promise<void> {
  const { access, constants } = await import('node:fs/promises');
  try {
    await access(path, constants.R_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code);
    throw new Error(`${flag} "${path}": ${reason}`, { cause: error });
  }
}

/** kubectl's --request-timeout: a duration (1s, 2m3s) or a bare number of seconds; 0 means none. */
export function requestTimeoutMs(value: string): number {
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const parsed = parseDuration(value);
  if (!parsed.ok) throw new Error(`--request-timeout "${value}": ${parsed.error}`);
  return parsed.ms;
}

// In a module without oclif, so that validate's parse without oclif (src/validate-fast.ts) shares it.
export { parseSetFlags, type SetFlags } from './set-flags.ts';

/**
 * Whether a person can answer prompts and watch the live view: a terminal on both ends, and not CI.
 * A terminal of no size (some pseudo-terminals say 0x0) counts as none: the live view's spinner and
 * list, fitted to zero columns, never finished drawing.
 */
export function isInteractive(): boolean {
  return process.stdin.isTTY && process.stdout.isTTY && process.stdout.columns > 0 && process.env.CI !== 'true';
}
