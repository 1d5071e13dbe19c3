/**
 * The JSON Schema (2020-12) keywords the runbook schema uses. TypeBox builds the schema; this is its
 * plain-JSON shape, as published and as walked by the validator.
 */
export type JsonType = 'null' | 'boolean' | 'integer' | 'number' | 'string' | 'object' | 'array';

export interface JsonSchema {
  $schema?: string;
  $id?: string;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  title?: string;
  description?: string;
  default?: unknown;
  examples?: unknown[];
  type?: JsonType;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
  propertyNames?: JsonSchema;
  dependentRequired?: Record<string, string[]>;
  items?: JsonSchema;
  minItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  /** A syntax of src/runbook/syntax/ (label-selector, jsonpath, http-url, ...). */
  format?: string;
  /** Editor extension (VS Code, yaml-language-server): the message for a pattern mismatch. */
  patternErrorMessage?: string;
  minimum?: number;
  maximum?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  if?: JsonSchema;
  then?: JsonSchema;
  else?: JsonSchema;
}

/** A TypeBox type as plain JSON: drops TypeBox's internal markers and shares no objects. */
export function toJsonSchema(type: object): JsonSchema {
  return JSON.parse(JSON.stringify(type)) as JsonSchema;
}
