// Line output for runs without a terminal (CI, pipes, -o json): one line per event, nothing redrawn.
import type { RunView } from '../engine/session.ts';
import type { Interaction } from '../engine/interaction.ts';
import type { RunEvent } from '../engine/events.ts';
import { summarizeChange } from '../kube/change-text.ts';
import { glyphsFor, shareBar } from '../report/chart.ts';
import { formatElapsed } from '../report/format.ts';
import { describeCounts } from '../report/summary.ts';

const refuse = (): never => {
  throw new Error('no terminal to ask: pass --yes to run unattended');
};

/**
 * Nobody to ask: runs that need answers are refused before they start, so this is a safety net;
 * without a terminal a run that stops short is rolled back.
 */
export const noInteraction: Interaction = {
  automatic: false,
  approve: refuse,
  confirm: refuse,
  confirmRollback: () => Promise.resolve(true),
};

export function describeEvent(event: RunEvent): string | undefined {
  const clock = `[${formatElapsed(event.t).padStart(6)}]`;
  switch (event.type) {
    case 'run.started':
      return `${clock} run ${event.runId}: ${event.runbook} on context ${event.context}`;
    case 'step.started': {
      const target = event.targetMs === undefined ? '' : ` (target ${formatElapsed(event.targetMs)})`;
      return `${clock} ${event.phase === 'rollback' ? 'rollback ' : ''}${event.step}: ${event.name}${target}`;
    }
    case 'step.progress': {
      const share = event.data?.share;
      if (typeof share === 'number')
        return `${clock}   ${event.step}: remaining share ${shareBar(share, 20, glyphsFor())}`;
      return `${clock}   ${event.step}: ${event.message}`;
    }
    case 'step.finished': {
      const target =
        event.targetMs === undefined || event.metTarget === undefined
          ? ''
          : `, target ${formatElapsed(event.targetMs)} ${event.metTarget ? 'met' : 'MISSED'}`;
      const error = event.error ? `: ${event.error}` : '';
      const drained = event.outputs?.timeToDrain === undefined ? 'measured' : 'drained in';
      const measured = event.measuredMs === undefined ? '' : ` (${drained} ${formatElapsed(event.measuredMs)})`;
      return `${clock} ${event.step} ${event.status} in ${formatElapsed(event.durationMs)}${measured}${target}${error}`;
    }
    case 'prompt.answered':
      return `${clock}   ${event.step}: ${event.question} -> ${String(event.answer)}${event.auto ? ' (--yes)' : ''}`;
    case 'run.progress':
      return `${clock} ${event.message}`;
    case 'span.measured': {
      const target =
        event.targetMs === undefined
          ? ''
          : `, target ${formatElapsed(event.targetMs)} ${event.metTarget ? 'met' : 'MISSED'}`;
      return `${clock} span ${event.name} (${event.from} .. ${event.to}): ${formatElapsed(event.ms)}${target}`;
    }
    case 'run.resumed':
      return `${clock} resumed from step ${event.fromStep} after a gap of ${formatElapsed(event.gapMs)}`;
    case 'undo.recorded':
      return `${clock}   ${event.step}: about to change #${event.id}: ${summarizeChange(event.change)}`;
    case 'rollback.started':
      return (
        `${clock} rolling back (${event.reason}): ${event.steps.length} rollback steps, ` +
        `then ${event.records.length} recorded changes, newest first`
      );
    case 'undo.finished':
      return event.lines
        .map((line) => `${clock}   undo #${event.id} (${event.step}) ${event.result}: ${line}`)
        .join('\n');
    case 'rollback.finished':
      return `${clock} rollback ${event.status} in ${formatElapsed(event.durationMs)}: ${describeCounts(event.counts)}`;
    case 'run.finished':
      return `${clock} run ${event.status} in ${formatElapsed(event.durationMs)}${event.reason ? `: ${event.reason}` : ''}`;
  }
}

/** A drain's share line is printed again only once the share has moved this much: no line per sample. */
const SHARE_STEP = 0.05;

export function plainView(write: (line: string) => void): RunView {
  /** The share each drain step last printed. */
  const printed = new Map<string, number>();
  return {
    interaction: noInteraction,
    wait: (_text, work) => work,
    handle: (event) => {
      if (event.type === 'step.progress' && typeof event.data?.share === 'number') {
        const share = event.data.share;
        const last = printed.get(event.step);
        if (last !== undefined && Math.abs(last - share) < SHARE_STEP && (share > 0 || last === 0)) return;
        printed.set(event.step, share);
      }
      const line = describeEvent(event);
      if (line) write(line);
    },
    close: () => Promise.resolve(),
  };
}
