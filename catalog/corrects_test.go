package catalog_test

import (
	"testing"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/catalog"
	"github.com/chaintap/chaintap/kafka"
)

// TestCorrectedConfirmedViewsRetract: a chain whose follower corrects
// confirmed reorgs has retracting confirmed views, so queries over them
// undo what an orphaned confirmed block did; other chains' do not.
func TestCorrectedConfirmedViewsRetract(t *testing.T) {
	for _, corrects := range []bool{false, true} {
		cat, err := catalog.New("", catalog.Chain{Name: "eth", CorrectsConfirmed: corrects})
		if err != nil {
			t.Fatal(err)
		}
		topics := kafka.TopicsFor("", "eth")
		for _, e := range chaintap.Entities() {
			if !cat.Retracting(topics.Head(e)) || cat.Retracting(topics.Confirmed(e)) != corrects {
				t.Fatalf("corrects %v: %s retracting %v, %s retracting %v", corrects,
					topics.Head(e), cat.Retracting(topics.Head(e)), topics.Confirmed(e), cat.Retracting(topics.Confirmed(e)))
			}
		}
	}
}
