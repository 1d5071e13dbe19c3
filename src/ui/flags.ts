// Flags shared by commands, named and shaped as kubectl's.
import { Flags } from '@oclif/core';
import type { ConnectionOptions } from '../kube/cluster.ts';

export const connectionFlags = {
  kubeconfig: Flags.string({ description: 'Path to the kubeconfig file (default: $KUBECONFIG, ~/.kube/config).' }),
  context: Flags.string({ description: 'The kubeconfig context to use.' }),
  namespace: Flags.string({ char: 'n', description: 'The namespace for steps that name none.' }),
};

export const setFlag = Flags.string({
  description: 'Give a param a value, as name=value; repeatable.',
  multiple: true,
});

export function connectionOptions(flags: {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}): ConnectionOptions {
  return { kubeconfig: flags.kubeconfig, context: flags.context, namespace: flags.namespace };
}

/** --set name=value pairs; a malformed one is a usage error for the caller to report. */
export function parseSetFlags(values: readonly string[]): Record<string, string> | { error: string } {
  const set: Record<string, string> = {};
  for (const value of values) {
    const separator = value.indexOf('=');
    if (separator <= 0) return { error: `--set "${value}": expected name=value` };
    set[value.slice(0, separator)] = value.slice(separator + 1);
  }
  return set;
}

/** Whether a person can answer prompts: a terminal on both ends, and not CI. */
export function isInteractive(): boolean {
  return process.stdin.isTTY && process.stdout.isTTY && process.env.CI !== 'true';
}
