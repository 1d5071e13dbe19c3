/**
 * What a syntax is to validation: a name used as the JSON Schema `format` of the inputs that have it,
 * and a check that says, in words that follow the name of the field, what is wrong with a value.
 *
 * A syntax is one object in its own file, listed in registry.ts; giving an input a syntax is one
 * `format:` in its schema. The checks are offline and pure: nothing here touches a cluster.
 */
export interface Syntax {
  /** The `format` keyword's value, like `label-selector`. */
  readonly name: string;
  /** Undefined if the text is well-formed; otherwise a phrase following the field's name. */
  readonly check: (text: string) => string | undefined;
}
