/**
 * A DNS label (RFC 1123), as Kubernetes names namespaces: also what step ids, runbook names and the
 * --namespace flag must be. A module of its own, without TypeBox, for the flags every command loads.
 */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
