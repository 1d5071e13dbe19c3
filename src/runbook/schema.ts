/**
 * The runbook format (`drill/v1`), defined once with TypeBox: it yields the TypeScript types, the
 * published JSON Schema (see json-schema.ts) and what the validator walks.
 */
import Type, { type Static } from 'typebox';
import { actionNames, actions } from '../actions/registry.ts';
import { DnsLabel, Duration, HttpUrl } from './inputs.ts';
import { type JsonSchema, toJsonSchema } from './json-schema-types.ts';
import { CONTAINS_TEMPLATE_PATTERN, WHOLE_TEMPLATE_PATTERN } from './template.ts';
import { allowTemplates } from './templated-schema.ts';

export const API_VERSION = 'drill/v1';
export const KIND = 'Runbook';

export const PARAM_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_-]*$';

export const ParamSchema = Type.Object(
  {
    default: Type.Optional(
      Type.Union([Type.String(), Type.Number(), Type.Boolean()], {
        description: 'Value used unless `--set name=value` overrides it.',
      }),
    ),
    description: Type.Optional(Type.String({ description: 'What the param means, for people.' })),
    required: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'The param has no default and must be given with `--set`.',
      }),
    ),
    secret: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'The value is a credential: masked as *** wherever it would appear (journal, report.json, terminal), ' +
          'never written to the run folder when given with `--set`; `kubectl drill rollback` asks for it again.',
      }),
    ),
  },
  { additionalProperties: false, title: 'Param', description: 'A runbook parameter.' },
);

/** A URL of an abort condition: params may make it up, and it is checked once they are resolved. */
const templatedUrl = (description: string) =>
  Type.Union([HttpUrl(), Type.String({ pattern: CONTAINS_TEMPLATE_PATTERN })], {
    description,
  });

const PrometheusConditionSchema = Type.Object(
  {
    prometheus: Type.Object(
      {
        url: Type.Optional(
          templatedUrl("Prometheus' base URL, like http://prometheus:9090; default $KUBECTL_DRILL_PROMETHEUS_URL."),
        ),
        query: Type.String({ minLength: 1, description: 'PromQL query returning one number.' }),
        above: Type.Optional(Type.Number({ description: 'Abort when the result is above this.' })),
        below: Type.Optional(Type.Number({ description: 'Abort when the result is below this.' })),
        for: Type.Optional(Duration({ description: 'Abort only if the condition holds this long.' })),
      },
      {
        additionalProperties: false,
        oneOf: [{ required: ['above'] }, { required: ['below'] }],
        title: 'Prometheus condition',
        description: 'Abort when a Prometheus query crosses a threshold.',
      },
    ),
  },
  { additionalProperties: false },
);

const HttpConditionSchema = Type.Object(
  {
    http: Type.Object(
      {
        url: templatedUrl('URL to probe; may use params.'),
        expectStatus: Type.Optional(
          Type.Integer({
            minimum: 100,
            maximum: 599,
            default: 200,
            description: 'Status a healthy answer has.',
          }),
        ),
      },
      {
        additionalProperties: false,
        title: 'HTTP condition',
        description: 'Abort when the URL stops answering with the expected status.',
      },
    ),
  },
  { additionalProperties: false },
);

export const AbortConditionSchema = Type.Union([PrometheusConditionSchema, HttpConditionSchema], {
  title: 'Abort condition',
  description: 'A condition watched for the whole run; when it holds, the run is aborted.',
});

/** `with` is checked per action: each action name selects its input schema (see stepActionInputs). */
const WithSchema = Type.Record(Type.String(), Type.Unknown(), {
  description: "The action's inputs; values may use templates.",
});

const commonStepProperties = {
  name: Type.Optional(Type.String({ minLength: 1, description: 'What the step does, for people.' })),
  action: Type.Enum([...actionNames], { description: 'The action the step runs.' }),
  with: Type.Optional(WithSchema),
  target: Type.Optional(Duration({ description: 'Goal for the step; missing it is reported, not fatal.' })),
  timeout: Type.Optional(Duration({ description: 'Hard limit; exceeding it fails the step.' })),
  context: Type.Optional(Type.String({ minLength: 1, description: 'Kubeconfig context to run the step against.' })),
  when: Type.Optional(
    Type.Union(
      [
        Type.Boolean(),
        Type.String({
          pattern: WHOLE_TEMPLATE_PATTERN,
          patternErrorMessage: 'must be true, false or a single template like ${{ params.name }}',
        }),
      ],
      { description: 'Run the step only if this is (or resolves to) true.' },
    ),
  ),
};

export const StepSchema = Type.Object(
  {
    id: DnsLabel({ description: 'Unique id of the step, used in templates, reports and `--from`.' }),
    ...commonStepProperties,
    onFailure: Type.Optional(
      Type.Enum(['abort', 'continue', 'rollback'], {
        default: 'abort',
        description: 'What a failure does: stop the run, go on, or stop and run the rollback steps.',
      }),
    ),
  },
  { additionalProperties: false, title: 'Step', allOf: stepActionInputs() },
);

export const RollbackStepSchema = Type.Object(
  {
    id: Type.Optional(DnsLabel({ description: 'Id of the step, needed only to use its outputs.' })),
    ...commonStepProperties,
    onFailure: Type.Optional(
      Type.Enum(['abort', 'continue'], {
        default: 'abort',
        description: 'What a failure does: stop the rollback, or go on with the next step.',
      }),
    ),
  },
  { additionalProperties: false, title: 'Rollback step', allOf: stepActionInputs() },
);

/** A target over several steps: time-to-restore, time-to-recover. */
const SpanSchema = Type.Object(
  {
    name: DnsLabel({ description: 'Name of the span in reports and history, like time-to-restore.' }),
    from: DnsLabel({ description: 'The step whose start the span is measured from.' }),
    to: DnsLabel({ description: 'The step whose end the span is measured to (`from` itself, or a later step).' }),
    target: Type.Optional(Duration({ description: 'Goal for the span; missing it is reported (exit 3), not fatal.' })),
  },
  { additionalProperties: false, title: 'Span' },
);

export const RunbookSchema = Type.Object(
  {
    apiVersion: Type.Literal(API_VERSION, { description: 'Version of the runbook format.' }),
    kind: Type.Literal(KIND),
    metadata: Type.Object(
      {
        name: DnsLabel({ description: 'Name of the runbook, used in reports and history.' }),
        description: Type.Optional(Type.String({ description: 'What the runbook is for.' })),
      },
      { additionalProperties: false, title: 'Metadata' },
    ),
    spec: Type.Object(
      {
        params: Type.Optional(
          Type.Record(Type.String(), ParamSchema, {
            propertyNames: {
              pattern: PARAM_NAME_PATTERN,
              patternErrorMessage: 'must be letters, digits, "_" and "-", starting with a letter or "_"',
            },
            description: 'Parameters, overridable with `--set name=value`; use them as ${{ params.name }}.',
          }),
        ),
        target: Type.Optional(Duration({ description: 'Target for the whole drill.' })),
        abortIf: Type.Optional(
          Type.Array(AbortConditionSchema, { description: 'Stop conditions, watched for the whole run.' }),
        ),
        steps: Type.Array(StepSchema, { minItems: 1, description: 'The steps, run in order.' }),
        spans: Type.Optional(
          Type.Array(SpanSchema, {
            description: 'Targets over several steps, each from the start of one step to the end of another.',
          }),
        ),
        rollback: Type.Optional(
          Type.Array(RollbackStepSchema, {
            description: 'Compensating steps, run on abort or by `kubectl drill rollback RUN_ID`.',
          }),
        ),
      },
      { additionalProperties: false, title: 'Spec' },
    ),
  },
  { additionalProperties: false, title: 'Runbook' },
);

export type Runbook = Static<typeof RunbookSchema>;
export type Step = Static<typeof StepSchema>;
export type RollbackStep = Static<typeof RollbackStepSchema>;
export type Param = Static<typeof ParamSchema>;
export type AbortCondition = Static<typeof AbortConditionSchema>;
export type Span = Static<typeof SpanSchema>;

/** Where the runbook schema document keeps the (templated) input schema of an action. */
export function actionInputRef(actionName: string): string {
  return `#/$defs/${actionName}`;
}

/** The `$defs` of the runbook schema document: each action's input schema, admitting templates. */
export function actionInputDefinitions(): Record<string, JsonSchema> {
  return Object.fromEntries(
    actions.map((action) => [
      action.name,
      {
        title: `${action.name} inputs`,
        description: action.summary,
        ...allowTemplates(toJsonSchema(action.input)),
      },
    ]),
  );
}

/** `if action is X then with must match X's inputs`, one entry per action, for editors and validation. */
function stepActionInputs(): JsonSchema[] {
  return actions.map((action) => {
    const input = toJsonSchema(action.input);
    const acceptsNoInput = (input.required ?? []).length === 0 && !input.oneOf && !input.allOf;
    return {
      if: { properties: { action: { const: action.name } }, required: ['action'] },
      then: {
        properties: { with: { $ref: actionInputRef(action.name) } },
        ...(acceptsNoInput ? {} : { required: ['with'] }),
      },
    };
  });
}
