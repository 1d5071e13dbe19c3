//go:build tools

// Package tools pins krew, the kubectl plugin manager, at the version go.mod names: the release test
// installs our krew archive with it exactly as users will (sandbox.sh krew-bin builds it).
package tools

import _ "sigs.k8s.io/krew/cmd/krew"
