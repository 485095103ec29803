package nemesis

import (
	"testing"
	"time"
)

// BenchmarkGenerate draws ten-minute schedules for five voters, one seed per op.
func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	seed, faults := uint64(0), 0
	for b.Loop() {
		seed++
		s, err := Generate(seed, DefaultMix(), shape5, 10*time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		faults += len(s)
	}
	b.ReportMetric(float64(faults)/float64(seed), "faults/op")
}

// BenchmarkScheduleText prints and parses back a ten-minute schedule.
func BenchmarkScheduleText(b *testing.B) {
	s := mustGenerate(b, 1, DefaultMix(), shape5, 10*time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSchedule(s.String()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunner applies a ten-minute schedule to the recording target.
func BenchmarkRunner(b *testing.B) {
	s := mustGenerate(b, 1, DefaultMix(), shape5, 10*time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := drive(NewRunner(s, 1), NewRecorder(shape5), nil); err != nil {
			b.Fatal(err)
		}
	}
}
