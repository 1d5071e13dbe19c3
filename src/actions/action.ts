/**
 * What every action is: its inputs and outputs (all validation needs), what it would do (`plan`,
 * for `plan`, `--dry-run` and confirmations), what permissions it needs (checked before a run
 * starts), and what it does (`execute`).
 */
import type { Static, TObject } from 'typebox';
import type { Permission } from '../kube/access.ts';
import type { Change, RecordChange } from '../kube/changes.ts';
import type { Cluster } from '../kube/cluster.ts';
import { durationMs } from '../runbook/duration.ts';

export interface PlanContext {
  /** The cluster of the step's `context:`. */
  cluster(): Promise<Cluster>;
  /** The runbook's folder: relative paths in inputs (a manifest `file`) are relative to it. */
  readonly runbookDir: string;
}

export interface ExecuteContext extends PlanContext {
  readonly step: { id: string; name: string; context?: string };
  /** Aborted when the step times out or the run is interrupted; every wait must honour it. */
  readonly signal: AbortSignal;
  /** The step's timeout, for actions whose own `timeout` input defaults to it. */
  readonly timeoutMs?: number;
  /** Progress for the journal and the live view. */
  progress(message: string, data?: Record<string, unknown>): void;
  /**
   * Values an action derives from credentials (the Basic header it builds from a URL's): masked from
   * now on wherever they would appear, like its secret inputs.
   */
  readonly mask: (values: readonly string[]) => void;
  /** Asks the person running the drill (manual steps); answered automatically with --yes. */
  confirm(instructions: string, question: string): Promise<boolean>;
  /**
   * Journals a change before it is made (write-ahead), so that a rollback can undo it even after a
   * crash. Throws if the journal cannot store it: the change must then not be made.
   */
  readonly record: RecordChange;
  /** The changes the run's steps have recorded so far, oldest first (the state found is the state left). */
  changes(): readonly Change[];
}

export interface Plan {
  /** One line: what the step would do, resolved against the cluster. */
  summary: string;
  /** Specifics: which nodes, how many pods, which budgets block, which revision. */
  details?: string[];
  /** Things that would make the step fail or surprise someone. */
  warnings?: string[];
}

export interface ActionResult {
  outputs: Record<string, unknown>;
  /** What the step's target is compared with, when that is not the step's own duration. */
  measuredMs?: number;
}

export interface ActionSpec<Input extends TObject = TObject> {
  /** Name used in a step's `action:`, like `nodes.drain`. */
  readonly name: string;
  /** One line for help texts and editor hovers. */
  readonly summary: string;
  /** Whether it changes anything; mutating steps ask for confirmation when interactive. */
  readonly mutating: boolean;
  /** Schema of the step's `with:`; every property carries a description. */
  readonly input: Input;
  /** Outputs that later steps can use as `${{ steps.<id>.outputs.<name> }}`, with descriptions. */
  readonly outputs: Readonly<Record<string, string>>;
  /**
   * Inputs whose values are credentials whatever the runbook says (exec's `env`, http.check's
   * `headers`): each string in them is masked like a secret param (engine/redact.ts).
   */
  readonly secretInputs?: readonly (keyof Static<Input> & string)[];
  /** What the step would do, looked up in the cluster but changing nothing. */
  readonly plan?: (input: Static<Input>, context: PlanContext) => Promise<Plan>;
  /** The API permissions the step needs; `namespace` is the cluster's default namespace. */
  readonly permissions?: (input: Static<Input>, namespace: string, runbookDir?: string) => Permission[];
  /**
   * What only the cluster can tell is wrong with the inputs (a Backup that does not exist), checked
   * for every step whose inputs are known before the run, so bad input stops the run before its
   * first change. Throws the problem; returns a line saying what it found.
   */
  readonly check?: (input: Static<Input>, context: PlanContext) => Promise<string>;
  readonly execute?: (input: Static<Input>, context: ExecuteContext) => Promise<ActionResult>;
}

/** The inputs of an action once templates are resolved. */
export type ActionInput<Spec extends ActionSpec> = Static<Spec['input']>;

/** Identity function that keeps the literal input type, so `ActionInput` is precise. */
export function defineAction<Input extends TObject>(spec: ActionSpec<Input>): ActionSpec<Input> {
  return spec;
}

/** A wait's limit in ms: its own `timeout` input, else the step's timeout, else none. */
export function waitLimitMs(timeout: string | undefined, stepTimeoutMs: number | undefined): number | undefined {
  return timeout === undefined ? stepTimeoutMs : durationMs(timeout);
}
