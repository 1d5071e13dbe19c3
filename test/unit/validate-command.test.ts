import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Validate from '../../src/commands/validate.ts';

const root = new URL('../../', import.meta.url).pathname;
const fixture = (path: string) => `test/fixtures/runbooks/${path}`;

/** Runs the command in-process; returns what it printed, its exit code and its error message. */
async function validate(...argv: string[]): Promise<{ stdout: string; exit: number; error?: string }> {
  const printed: string[] = [];
  // Capturing through the command's own log, not process.stdout: node --test reports on stdout.
  class Captured extends Validate {
    override log(message = ''): void {
      printed.push(`${message}\n`);
    }
  }
  try {
    await Captured.run(argv, root);
    return { stdout: printed.join(''), exit: 0 };
  } catch (error) {
    const exit = (error as { oclif?: { exit?: number } }).oclif?.exit;
    if (exit === undefined || !(error instanceof Error)) throw error;
    return { stdout: printed.join(''), exit, error: error.message };
  } finally {
    // oclif records the exit code on the process as well; it belongs to the command, not this test file.
    process.exitCode = undefined;
  }
}

describe('kubectl drill validate', () => {
  it('says which files are valid and exits 0', async () => {
    const { stdout, exit } = await validate(fixture('valid/minimal.yaml'), fixture('valid/drain-zone.yaml'));
    assert.equal(stdout, `${fixture('valid/minimal.yaml')}: valid\n${fixture('valid/drain-zone.yaml')}: valid\n`);
    assert.equal(exit, 0);
  });

  it('prints every problem and exits 2 when a file is invalid', async () => {
    const { stdout, exit } = await validate(fixture('valid/minimal.yaml'), fixture('invalid/several-mistakes.yaml'));
    const lines = stdout.trimEnd().split('\n');
    assert.equal(lines[0], `${fixture('valid/minimal.yaml')}: valid`);
    assert.equal(lines.length, 5);
    assert.match(
      lines[3] ?? '',
      /several-mistakes\.yaml:22:15: unknown action "nodes.drian"; did you mean "nodes.drain"\?$/,
    );
    assert.equal(exit, 2);
  });

  it('checks --set names against the params', async () => {
    const { stdout, exit } = await validate(fixture('valid/drain-zone.yaml'), '--set', 'zone=b', '--set', 'zon=c');
    assert.equal(
      stdout,
      `${fixture('valid/drain-zone.yaml')}:8:3: unknown param "zon" in --set; did you mean "zone"?\n`,
    );
    assert.equal(exit, 2);
  });

  it("masks a secret param's value where a problem quotes it, in text and JSON", async () => {
    const file = fixture('valid/secret-param.yaml');
    const set = ['--set', 'statusUrl=planted-not-a-url'];
    const text = await validate(file, ...set);
    const json = await validate(file, '-o', 'json', ...set);
    assert.deepEqual([text.exit, json.exit], [2, 2]);
    const message = '"url" (from "${{ params.statusUrl }}") must be an http:// or https:// URL, got "***"';
    assert.equal(text.stdout, `${file}:16:14: ${message}\n`);
    assert.equal(
      (JSON.parse(json.stdout) as { files: { problems: { message: string }[] }[] }).files[0]?.problems[0]?.message,
      message,
    );
  });

  it('prints JSON with -o json', async () => {
    const { stdout, exit } = await validate('-o', 'json', fixture('invalid/unknown-action.yaml'));
    assert.deepEqual(JSON.parse(stdout), {
      valid: false,
      files: [
        {
          file: fixture('invalid/unknown-action.yaml'),
          valid: false,
          problems: [{ line: 22, col: 15, message: 'unknown action "nodes.drian"; did you mean "nodes.drain"?' }],
        },
      ],
    });
    assert.equal(exit, 2);
  });

  it('rejects a --set without a value as a usage error', async () => {
    const { error, exit } = await validate(fixture('valid/minimal.yaml'), '--set', 'zone');
    assert.equal(error, '--set "zone": expected name=value');
    assert.equal(exit, 2);
  });
});
