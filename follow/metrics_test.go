package follow

import "testing"

func TestDepthBucket(t *testing.T) {
	for depth, want := range map[int]string{0: "1", 1: "1", 2: "2-3", 3: "2-3", 4: "4-7", 31: "16-31", 64: "64-127", 127: "64-127", 128: "128+", 4000: "128+"} {
		if got := depthBucket(depth); got != want {
			t.Errorf("depthBucket(%d) = %q, want %q", depth, got, want)
		}
	}
}
