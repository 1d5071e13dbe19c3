// Until returns as soon as the condition holds or fails, and a timeout names what it waited for.
package wait

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestUntilStopsAtTheConditionsError(t *testing.T) {
	failed := errors.New("child exited")
	calls := 0
	err := Until(context.Background(), time.Minute, "never", func() (bool, error) {
		calls++
		if calls == 2 {
			return false, failed
		}
		return false, nil
	})
	if !errors.Is(err, failed) || calls != 2 {
		t.Errorf("Until = %v after %d calls, want the condition's error after 2", err, calls)
	}
}

func TestUntilTimesOutNamingWhatItWaitedFor(t *testing.T) {
	err := Until(context.Background(), 250*time.Millisecond, "the moon", func() (bool, error) { return false, nil })
	if err == nil || !strings.Contains(err.Error(), "timed out after 250ms waiting for the moon") {
		t.Errorf("Until = %v", err)
	}
}

func TestUntilReturnsOnceDone(t *testing.T) {
	calls := 0
	if err := Until(context.Background(), time.Minute, "three calls", func() (bool, error) {
		calls++
		return calls == 3, nil
	}); err != nil || calls != 3 {
		t.Errorf("Until = %v after %d calls", err, calls)
	}
}
