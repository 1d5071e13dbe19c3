// Command velero is Velero's own command line (github.com/vmware-tanzu/velero/cmd/velero: the same
// command tree, so `velero server` and the `velero run-plugins` it starts are Velero's) with one
// default changed. Velero's controller-runtime manager leaves its metrics server at the library's
// default, ":8080": every interface, and a port two sandboxes would fight over. No flag reaches it,
// so this main turns that server off before Velero starts; Velero's own metrics still serve on
// --metrics-address, which the sandbox puts on 127.0.0.1.
package main

import (
	"os"
	"path/filepath"

	"github.com/vmware-tanzu/velero/pkg/cmd"
	"github.com/vmware-tanzu/velero/pkg/cmd/velero"
	"k8s.io/klog/v2"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

func main() {
	// "0" is controller-runtime's value for "no metrics server".
	metricsserver.DefaultBindAddress = "0"
	defer klog.Flush()
	err := velero.NewCommand(filepath.Base(os.Args[0])).Execute()
	cmd.CheckError(err)
}
