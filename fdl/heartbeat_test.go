package fdl

import (
	"os"
	"testing"
)

// heartbeatSeconds, fnflow's extension, reaches the model; 0 asks for no
// heartbeats.
func TestHeartbeatSecondsParsed(t *testing.T) {
	src, err := os.ReadFile("testdata/valid/heartbeats.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, diags := Parse("heartbeats.yaml", src)
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	for _, tt := range []struct {
		step int
		want int
	}{{0, 60}, {3, 0}} {
		if got := f.Steps[tt.step].(*TaskStep).HeartbeatSeconds; got != tt.want {
			t.Errorf("steps[%d].HeartbeatSeconds = %d, want %d", tt.step, got, tt.want)
		}
	}
}
