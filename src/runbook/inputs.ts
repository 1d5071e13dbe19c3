/**
 * Schema building blocks shared by runbook fields and action inputs, so that the same kind of value
 * is spelt, described and checked the same way everywhere.
 *
 * `patternErrorMessage` is the JSON Schema extension understood by VS Code and yaml-language-server;
 * the validator uses it too, so editors and `kubectl drill validate` say the same thing.
 */
import Type, { type Static, type TSchema, type TSchemaOptions } from 'typebox';
import { DNS_LABEL_PATTERN } from './dns-label.ts';
import { DURATION_PATTERN, POSITIVE_DURATION_PATTERN } from './duration.ts';

export const DNS_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/** A Go-style duration such as `90s`, `10m` or `1h30m`; zero only where `allowZero` says so. */
export function Duration(options: TSchemaOptions & { description: string; allowZero?: boolean }) {
  const { allowZero = false, ...rest } = options;
  return Type.String({
    pattern: allowZero ? DURATION_PATTERN : POSITIVE_DURATION_PATTERN,
    patternErrorMessage: 'must be a duration like 30s, 10m or 1h30m',
    examples: ['30s', '10m', '1h30m'],
    ...rest,
  });
}

/** A DNS-1123 label: namespaces, step ids, runbook names. */
export function DnsLabel(options: TSchemaOptions & { description: string }) {
  return Type.String({
    pattern: DNS_LABEL_PATTERN,
    maxLength: 63,
    patternErrorMessage: 'must be lower-case letters, digits and "-", starting and ending with a letter or digit',
    ...options,
  });
}

/** A Kubernetes object name (DNS-1123 subdomain). */
export function ObjectName(options: TSchemaOptions & { description: string }) {
  return Type.String({
    pattern: DNS_SUBDOMAIN_PATTERN,
    maxLength: 253,
    patternErrorMessage: 'must be a Kubernetes name: lower-case letters, digits, "-" and "."',
    ...options,
  });
}

export const Namespace = (description = 'Namespace of the object; defaults to the current namespace.') =>
  DnsLabel({ description });

/** A label selector as the API server parses it (syntax/label-selector.ts). */
export const LabelSelector = (description: string) =>
  Type.String({
    minLength: 1,
    format: 'label-selector',
    description,
    examples: ['topology.kubernetes.io/region=eu-west'],
  });

/** A label key, like `topology.kubernetes.io/region`. */
export const LabelKey = (options: TSchemaOptions & { description: string }) =>
  Type.String({ minLength: 1, format: 'label-key', ...options });

/** A label value, like `eu-west`: what a selector compares a label with. */
export const LabelValue = (options: TSchemaOptions & { description: string }) =>
  Type.String({ format: 'label-value', ...options });

/**
 * A URL that is fetched: http or https (syntax/http-url.ts). The pattern is for editors, which do not
 * know the format; the format's check is the stricter one and speaks first.
 */
export const HttpUrl = (options: TSchemaOptions = {}) =>
  Type.String({
    minLength: 1,
    format: 'http-url',
    pattern: '^https?://[^\\s]+$',
    patternErrorMessage: 'must be an http:// or https:// URL',
    examples: ['https://shop.example.com/healthz'],
    ...options,
  });

export const NodeNames = () =>
  Type.Array(ObjectName({ description: 'Node name.' }), {
    minItems: 1,
    description: 'Names of the nodes; use this or `selector`.',
  });

export const ApiVersion = () =>
  Type.String({
    pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?v[0-9]+((alpha|beta)[0-9]+)?$',
    patternErrorMessage: 'must be an API version like v1 or apps/v1',
    description: 'API version of the object, like `v1` or `apps/v1`.',
    examples: ['v1', 'apps/v1'],
  });

export const Kind = (description = 'Kind of the object, like `ConfigMap` or `Deployment`.') =>
  Type.String({
    pattern: '^[A-Z][A-Za-z0-9]*$',
    patternErrorMessage: 'must be a Kubernetes kind in CamelCase, like Deployment',
    description,
  });

export const WorkloadKind = <Kinds extends string>(kinds: readonly Kinds[]) =>
  Type.Enum([...kinds], { description: `Kind of the workload: ${kinds.join(', ')}.` });

/**
 * Object-level constraint: exactly one of the given keys must be present. Kept as plain
 * `oneOf`/`required` so that editors understand it and error messages can name the keys.
 */
export function exactlyOneOf(...keys: string[]) {
  return { oneOf: keys.map((key) => ({ required: [key] })) };
}

/** The inputs that name a workload, shared by the rollout actions and `scale`. */
export function workloadInputs<Kinds extends string>(kinds: readonly Kinds[]) {
  return {
    kind: WorkloadKind(kinds),
    name: ObjectName({ description: 'Name of the workload.' }),
    namespace: Type.Optional(Namespace()),
  };
}

/** `timeout` of an action that waits for something. */
export const WaitTimeout = (what: string) =>
  Type.Optional(Duration({ description: `How long to wait for ${what}; defaults to the step's timeout.` }));

/**
 * The default a property's schema declares. A step's inputs reach `plan` and `execute` with their
 * defaults filled in, but `permissions` sees them before that; code that needs a default reads it
 * here, so the schema stays the one place it is written.
 */
export function defaultOf<Schema extends TSchema>(schema: Schema): Exclude<Static<Schema>, undefined> {
  if (!('default' in schema)) throw new Error(`the schema ${JSON.stringify(schema)} declares no default`);
  return schema.default as Exclude<Static<Schema>, undefined>;
}
