// The journal's file and the run folder on a real file system: a write that fails says where and
// why and leaves no half line, a folder removed under a run is noticed, a journal dir that cannot
// hold runs is refused with the system's reason (and /proc/x answers at once), and whatever a run
// writes is its owner's alone.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { RunEvent } from '../../src/engine/events.ts';
import { Journal, JournalWriteError } from '../../src/engine/journal.ts';
import { journalDirProblem, makeOwnerDir, writeOwnerFile } from '../../src/engine/owner-only.ts';

const event = (message: string): RunEvent => ({ type: 'run.progress', message, at: new Date().toISOString(), t: 0 });
const scratch = () => mkdtempSync(join(tmpdir(), 'drill-journal-'));

describe('the journal file', () => {
  test('a full disk (/dev/full, left as it is) fails the write with the path and the reason, and stores nothing of it', () => {
    const dir = scratch();
    const deviceMode = statSync('/dev/full').mode;
    symlinkSync('/dev/full', join(dir, 'journal.jsonl'));
    const journal = new Journal(dir);
    assert.throws(
      () => {
        journal.write(event('x'));
      },
      (error: unknown) =>
        error instanceof JournalWriteError &&
        error.code === 'ENOSPC' &&
        error.message === `cannot write the journal ${join(dir, 'journal.jsonl')}: ENOSPC: no space left on device`,
    );
    journal.close();
    assert.equal(statSync('/dev/full').mode, deviceMode, 'the device is not made private');
  });

  test('its run folder removed: the next write fails with ENOENT, though the open file would take it', () => {
    const dir = join(scratch(), 'run');
    const journal = new Journal(dir);
    journal.write(event('before'));
    rmSync(dir, { recursive: true });
    assert.throws(
      () => {
        journal.write(event('after'));
      },
      (error: unknown) =>
        error instanceof JournalWriteError && error.code === 'ENOENT' && error.message.includes('was removed'),
    );
    journal.close();
  });

  test('opened again, a journal is made the owner’s alone, and writes whole lines', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'journal.jsonl'), '', { mode: 0o644 });
    const journal = new Journal(dir);
    journal.write(event('one'));
    journal.write(event('two'));
    journal.close();
    assert.equal(statSync(join(dir, 'journal.jsonl')).mode & 0o777, 0o600);
    const lines = readFileSync(join(dir, 'journal.jsonl'), 'utf8').split('\n');
    assert.deepEqual(
      lines.slice(0, -1).map((line) => (JSON.parse(line) as { message: string }).message),
      ['one', 'two'],
    );
  });
});

describe('the journal dir and the run folder', () => {
  test('a dir the kernel will not create in (/proc/x) is refused at once with ENOENT', () => {
    const started = performance.now();
    assert.equal(journalDirProblem('/proc/x'), '/proc/x: ENOENT: no such file or directory');
    assert.ok(performance.now() - started < 1000, 'no endless retry');
  });

  test('a file in the way is named', () => {
    const file = join(scratch(), 'runs');
    writeFileSync(file, '');
    assert.equal(journalDirProblem(join(file, 'deeper')), `${file}: ENOTDIR: ${file} is not a folder`);
  });

  test('a folder that exists but takes no file (/proc) is refused with the reason of the write', () => {
    assert.match(journalDirProblem('/proc') ?? '', /^\/proc\/\.kubectl-drill-write-check-\d+: ENOENT: /);
  });

  test('a missing journal dir is made, each new level 0700, and the check leaves nothing in it', () => {
    const base = scratch();
    const dir = join(base, 'a', 'b');
    assert.equal(journalDirProblem(dir), undefined);
    for (const made of [join(base, 'a'), dir]) assert.equal(statSync(made).mode & 0o777, 0o700);
    assert.deepEqual(readdirSync(dir), [], 'the check leaves no file behind');
    makeOwnerDir(dir);
    writeOwnerFile(join(dir, 'report.json'), '{}');
    writeFileSync(join(dir, 'loose'), 'x', { mode: 0o644 });
    writeOwnerFile(join(dir, 'loose'), 'y');
    assert.equal(statSync(join(dir, 'report.json')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'loose')).mode & 0o777, 0o600, 'a file written again is made private');
  });
});
