/** The runbook library: format, validation, templates, durations. */
export { formatDuration, parseDuration } from './duration.ts';
export { RUNBOOK_SCHEMA_ID, runbookJsonSchema } from './json-schema.ts';
export type { PropertyPath } from './positions.ts';
export { SourcePositions } from './positions.ts';
export type { Problem, SourcePosition } from './problem.ts';
export { formatProblem, sortProblems } from './problem.ts';
export { resolveStepInput } from './resolve.ts';
export type { AbortCondition, Param, RollbackStep, Runbook, Step } from './schema.ts';
export { API_VERSION, KIND, RunbookSchema } from './schema.ts';
export { paramValues } from './semantic.ts';
export type { TemplateContext, TemplateExpression, TemplateReference } from './template.ts';
export { containsTemplate, isWholeTemplate, resolveTemplate, resolveTemplates, scanTemplates } from './template.ts';
export type { ValidateOptions, ValidationResult } from './validate.ts';
export { checkStepReference, formatResult, validateRunbook, validateRunbookFile } from './validate.ts';
