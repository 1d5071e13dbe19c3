// The sandbox's readiness waits for the demo runbook's own query: if the runbook's query changes
// and this one does not, a drill could again start before its query has a rate.
package prometheus

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestRegionRateQueryIsTheDemoRunbooks(t *testing.T) {
	runbook, err := os.ReadFile("../../../../runbooks/evacuate-region.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s+source: prometheus\n(?:\s+\w+: .*\n)*?\s+query: (.+)$`).FindSubmatch(runbook)
	if m == nil {
		t.Fatal("no prometheus measure query in runbooks/evacuate-region.yaml")
	}
	for _, region := range []string{"eu-west", "us-east", "ap-south"} {
		want := strings.ReplaceAll(string(m[1]), "${{ params.region }}", region)
		if got := RegionRateQuery(region); got != want {
			t.Errorf("RegionRateQuery(%q) = %s, the runbook measures %s", region, got, want)
		}
	}
}
