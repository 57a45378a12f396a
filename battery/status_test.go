package battery

import "testing"

// TestStatusesFollowTheChangelog: upserts replace a battery's row (ids in
// any case are one battery), a tombstone deletes it, subscribers see each
// change, and a row that is not battery_status JSON is an error.
func TestStatusesFollowTheChangelog(t *testing.T) {
	s := NewStatuses()
	changes, stop := s.Subscribe()
	defer stop()
	const id = "0xAbC0000000000000000000000000000000000001"
	if err := s.Apply(id, []byte(`{"OWNER":"0xOWNER","YEAR_BUILT":2021,"COUNTRY":"DE","CHARGE_CYCLES":0,"BLOCKED":false,"BLOCK":3}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply("0xabc0000000000000000000000000000000000001", []byte(`{"OWNER":"0xowner","YEAR_BUILT":2021,"COUNTRY":"DE","CHARGE_CYCLES":2,"BLOCKED":true,"BLOCK":9}`)); err != nil {
		t.Fatal(err)
	}
	want := Status{ID: "0xabc0000000000000000000000000000000000001", Owner: "0xowner", YearBuilt: 2021, Country: "DE", ChargeCycles: 2, Blocked: true, Block: 9}
	if got, ok := s.Get(id); !ok || got != want || len(s.All()) != 1 {
		t.Fatalf("row %+v %v, %d rows", got, ok, len(s.All()))
	}
	if first := <-changes; first.ChargeCycles != 0 || first.Owner != "0xowner" {
		t.Fatalf("first change %+v", first)
	}
	<-changes
	if err := s.Apply(id, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Get(id); ok || len(s.All()) != 0 {
		t.Fatal("a deleted battery is still in the table")
	}
	if del := <-changes; del != (Status{ID: want.ID}) {
		t.Fatalf("deletion sent %+v", del)
	}
	if err := s.Apply(id, []byte(`not json`)); err == nil {
		t.Fatal("a malformed row was accepted")
	}
}
