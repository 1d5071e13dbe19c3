// Package demo holds the sandbox's demo workload: a small multi-region shop the example runbooks
// drill against. Files are applied in name order.
package demo

import "embed"

//go:embed *.yaml
var Files embed.FS
