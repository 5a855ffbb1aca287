// Package failing has one passing and one failing test: `go test` must report FAIL and exit with
// status 1 when the test binary runs under the engine (failures must propagate).
package failing

import "testing"

func TestPasses(t *testing.T) {}

func TestFails(t *testing.T) {
	t.Log("about to fail")
	t.Errorf("deliberate failure: %d != %d", 1+1, 3)
}
