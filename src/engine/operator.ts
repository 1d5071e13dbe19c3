// Who answered a question: the operating-system user running the drill, journaled with each
// answer so a retrospective can say who confirmed what. Nothing else identifies a person here: a
// drill runs under one's own account, and kubeconfig identities are the cluster's business.
import { userInfo } from 'node:os';

let cached: string | undefined;

/** The OS user's name, or $USER where the system has no entry for the uid (some containers). */
export function operatorName(): string {
  if (cached !== undefined) return cached;
  try {
    cached = userInfo().username;
  } catch {
    cached = process.env.USER ?? process.env.LOGNAME ?? `uid ${String(process.getuid?.() ?? '?')}`;
  }
  return cached;
}
