// The root help (`kubectl drill --help`, or no arguments) without loading oclif: the text oclif's Help
// class rendered at build time (scripts/root-help.ts, into dist/root-help.json) for every width it may
// wrap to and with and without colour, picked the way oclif would pick at run time. Loading oclif and
// its Config is most of what `--help` costs otherwise. What oclif decides is decided here the same
// way, with the same libraries: the width (OCLIF_COLUMNS, else the terminal's clamped to 40 or more,
// else 80 when stdout is no terminal), the colour (supports-color and ansis), and the user agent
// line (name/version, platform, with WSL told apart as oclif does, architecture, Node version). Anything
// the file does not cover (no file, as when running from src/; a width outside it; a user agent that
// oclif would wrap; DEBUG set, which makes oclif log too; NO_COLOR and FORCE_COLOR both set, on which
// Node warns once oclif asks it about colours) returns false and oclif prints the help.
import { readFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import ansis from 'ansis';
import isWsl from 'is-wsl';
import supportsColor from 'supports-color';
import { writeStdout } from './stdout.ts';

/** From the first to the last width (inclusive) the root help is this text. */
export type WidthRun = [from: number, to: number, text: string];

export interface RootHelpFile {
  /** Stands for the user agent line in the texts. */
  userAgentMarker: string;
  /** The start of oclif's user agent: package.json's name and version at build time. */
  nameVersion: string;
  plain: WidthRun[];
  color: WidthRun[];
}

/** The width oclif's help wraps to in this process (its screen.stdtermwidth). */
function helpWidth(): number {
  const columns = Number.parseInt(process.env.OCLIF_COLUMNS ?? '', 10);
  if (columns) return columns;
  if (!process.stdout.isTTY) return 80;
  const [width] = process.stdout.getWindowSize();
  if (width < 1) return 80;
  return Math.max(width, 40);
}

/**
 * Prints the root help rendered at build time beside `entry` (the URL of dist/cli.js) and returns true,
 * or returns false, having printed nothing, when oclif has to.
 */
export function printRootHelp(entry: string): boolean {
  const { DEBUG, NO_COLOR, FORCE_COLOR } = process.env;
  if (DEBUG !== undefined || (NO_COLOR !== undefined && FORCE_COLOR !== undefined)) return false;
  let file: RootHelpFile;
  try {
    file = JSON.parse(readFileSync(new URL('root-help.json', entry), 'utf8')) as RootHelpFile;
  } catch {
    return false;
  }
  const width = helpWidth();
  // oclif colours a header when supports-color finds colour on stdout and stderr, with ansis.
  const color = Boolean(supportsColor.stdout) && Boolean(supportsColor.stderr) && ansis.isSupported();
  const text = (color ? file.color : file.plain).find(([from, to]) => from <= width && width <= to)?.[2];
  const cpu = arch() === 'ia32' ? 'x86' : arch();
  const userAgent = `${file.nameVersion} ${isWsl ? 'wsl' : platform()}-${cpu} node-${process.version}`;
  // oclif wraps the user agent to the width less its indentation of 2; one well inside that is left as it is.
  if (text === undefined || userAgent.length >= width - 2) return false;
  writeStdout(text.replace(file.userAgentMarker, userAgent));
  return true;
}
