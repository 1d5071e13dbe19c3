// How the engine asks a person something. The live view answers through prompts, --yes answers
// every question, and a run without a terminal has nobody to ask.

export interface StepRef {
  id: string;
  name: string;
  action: string;
}

/** What to do with a mutating step the engine is about to run. */
export type Approval = 'run' | 'skip' | 'abort';

export interface Interaction {
  /** Whether questions are answered without asking (--yes). */
  readonly automatic: boolean;
  /** Asked before a mutating step acts; `plan` says what it is about to do. */
  approve(step: StepRef, plan: string): Promise<Approval>;
  /** A manual step: show the instructions, ask the question, return the answer. */
  confirm(step: StepRef, instructions: string, question: string): Promise<boolean>;
  /** The run stopped short of success: roll back what it changed? (Yes is the default.) */
  confirmRollback(question: string): Promise<boolean>;
}

/** --yes: every mutating step runs, every manual confirmation is recorded as auto-confirmed. */
export const automaticInteraction: Interaction = {
  automatic: true,
  approve: () => Promise.resolve('run'),
  confirm: () => Promise.resolve(true),
  confirmRollback: () => Promise.resolve(true),
};
