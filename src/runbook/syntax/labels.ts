/**
 * Label keys and values as Kubernetes validates them (k8s.io/apimachinery/pkg/api/validate/content:
 * IsLabelKey, IsLabelValue): a key is a name of up to 63 characters with an optional DNS subdomain
 * prefix and "/", a value is empty or a name of up to 63 characters. The problems are phrases, the
 * first one found, since one reason is enough to fix a value.
 */
import { DNS_SUBDOMAIN_PATTERN } from '../inputs.ts';

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const NAME_RULE = "alphanumeric characters, '-', '_' or '.', starting and ending with an alphanumeric character";
const DNS_SUBDOMAIN = new RegExp(DNS_SUBDOMAIN_PATTERN);
const MAX_NAME_LENGTH = 63;
const MAX_PREFIX_LENGTH = 253;

/** Why `key` is not a label key, or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return `label key "${key}" has more than one "/"`;
  const [prefix, name = ''] = parts.length === 2 ? parts : [undefined, key];
  if (prefix !== undefined) {
    if (prefix === '') return `label key "${key}" has an empty prefix before "/"`;
    if (prefix.length > MAX_PREFIX_LENGTH) {
      return `the prefix of label key "${key}" is longer than ${MAX_PREFIX_LENGTH} characters`;
    }
    if (!DNS_SUBDOMAIN.test(prefix)) {
      return `the prefix of label key "${key}" must be a DNS subdomain like example.com (lower case)`;
    }
  }
  if (name === '') return key === '' ? 'label key is empty' : `label key "${key}" has an empty name after "/"`;
  if (name.length > MAX_NAME_LENGTH)
    return `the name of label key "${key}" is longer than ${MAX_NAME_LENGTH} characters`;
  if (!NAME.test(name)) return `the name of label key "${key}" must consist of ${NAME_RULE}`;
  return undefined;
}

/** Why `value` is not a label value, or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > MAX_NAME_LENGTH) return `label value "${value}" is longer than ${MAX_NAME_LENGTH} characters`;
  if (value !== '' && !NAME.test(value)) return `label value "${value}" must be empty or consist of ${NAME_RULE}`;
  return undefined;
}
