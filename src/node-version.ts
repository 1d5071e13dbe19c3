// The oldest Node the CLI runs on: package.json's `engines` says the same (a unit test holds them
// together). A module with no imports, so the entry point can check before loading anything else.
export const requiredNodeMajor = 22;

/** The one line to print on a Node older than that, or undefined when it will do. */
export function tooOldNode(version: string, execPath: string): string | undefined {
  if (Number(version.replace(/^v/, '').split('.')[0]) >= requiredNodeMajor) return undefined;
  return `kubectl-drill needs Node.js >= ${requiredNodeMajor}; ${execPath} is ${version}. Install a newer Node, or the krew archive that carries its own.`;
}
