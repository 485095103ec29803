package cputime

import "testing"

// Burning CPU must show up in Now, and it never runs backwards.
func TestNowAdvancesWithWork(t *testing.T) {
	if !Supported {
		t.Skip("no CPU clock on this platform")
	}
	start := Now()
	x := uint64(1)
	for i := 0; Now() <= start; i++ {
		if i == 10_000 {
			t.Fatalf("10^10 multiplications took no CPU time (still %v)", start)
		}
		for range 1_000_000 {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	if x == 0 {
		t.Fatal("the work was optimised away")
	}
}
