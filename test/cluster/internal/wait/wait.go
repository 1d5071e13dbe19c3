// Package wait is the sandbox's one polling loop: every wait of the supervisor checks its
// condition every 100 ms (fast enough not to show in start-up times, slow enough to cost the
// apiserver nothing), gives up after a timeout naming what it waited for, and stops at once on
// an error the condition reports (a child that exited, an object in a failed phase).
package wait

import (
	"context"
	"fmt"
	"time"
)

// Interval is the time between two checks.
const Interval = 100 * time.Millisecond

// Until checks done until it is true or returns an error, the context ends, or timeout passes.
func Until(ctx context.Context, timeout time.Duration, what string, done func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := done()
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s waiting for %s", timeout, what)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(Interval):
		}
	}
}
