// How the CLI's output meets a reader that stops early (`kubectl drill validate *.yaml | head -1`): what
// is left to print has nowhere to go, and that is no failure. The command goes on to its end with its
// own exit code (a drill still finishes or rolls back; it never dies halfway for want of a reader).
//
// The paths without oclif, `validate` (src/validate-fast.ts) and the root help (src/root-help.ts), write
// with writeStdout, which meets such a reader itself. `validate` never touches process.stdout, whose first
// touch builds a stream and loads Node's whole stream stack, about 5 ms of a command that takes 100.
// writeStdout writes with writeSync, as Node itself writes to files and (on Linux) pipes; a pipe left
// non-blocking by whoever made it (EAGAIN) gets the rest through process.stdout, which waits.
import { writeSync } from 'node:fs';

const STDOUT = 1;
let readerGone = false;
/** Once a write has gone through process.stdout, every later one does, so that none overtakes another. */
let throughStream = false;

/** From now on, process.stdout takes writes and drops them once its reader has gone. */
export function keepGoingWhenReaderGone(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    // oclif waits for stdout to drain before it exits, and a closed pipe never drains.
    process.stdout.write = () => true;
    process.stdout.emit('drain');
  });
}

export function writeStdout(text: string): void {
  if (readerGone) return;
  if (throughStream) {
    process.stdout.write(text);
    return;
  }
  const bytes = Buffer.from(text);
  let written = 0;
  try {
    while (written < bytes.length) written += writeSync(STDOUT, bytes, written);
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'EPIPE') {
      readerGone = true;
    } else if (code === 'EAGAIN') {
      throughStream = true;
      keepGoingWhenReaderGone();
      process.stdout.write(bytes.subarray(written));
    } else {
      throw error;
    }
  }
}
