package sim

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"negative latency", Options{Network: NetworkOptions{Link: LinkOptions{Latency: Latency{Min: -1}}}}},
		{"negative mean", Options{Network: NetworkOptions{Link: LinkOptions{Latency: Latency{Mean: -ms}}}}},
		{"huge latency", Options{Network: NetworkOptions{Link: LinkOptions{Latency: Latency{Min: 100 * time.Hour}}}}},
		{"tail probability > 1", Options{Network: NetworkOptions{Link: LinkOptions{Latency: Latency{TailProbability: 1.5, TailMax: ms}}}}},
		{"tail without max", Options{Network: NetworkOptions{Link: LinkOptions{Latency: Latency{TailProbability: 0.5}}}}},
		{"NaN probability", Options{Network: NetworkOptions{ResetProbability: math.NaN()}}},
		{"negative reset probability", Options{Network: NetworkOptions{ResetProbability: -0.1}}},
		{"negative bandwidth", Options{Network: NetworkOptions{Link: LinkOptions{Bandwidth: -1}}}},
		{"negative queue limit", Options{Network: NetworkOptions{Link: LinkOptions{QueueLimit: -1}}}},
		{"negative dial timeout", Options{Network: NetworkOptions{DialTimeout: -time.Second}}},
		{"negative reset delay", Options{Network: NetworkOptions{ResetDelay: Latency{Min: -1}}}},
		{"sync error probability", Options{Disk: DiskOptions{SyncErrorProbability: 2}}},
		{"lost write probability", Options{Disk: DiskOptions{LostWriteProbability: -1}}},
		{"torn probability", Options{Disk: DiskOptions{TornProbability: math.Inf(1)}}},
		{"negative sync latency", Options{Disk: DiskOptions{SyncLatency: Latency{Mean: -1}}}},
		{"negative clock offset", Options{Clock: ClockOptions{MaxOffset: -1}}},
		{"drift too large", Options{Clock: ClockOptions{MaxDriftPPM: 1_000_000}}},
		{"negative drift bound", Options{Clock: ClockOptions{MaxDriftPPM: -1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.opts.Validate()
			if !errors.Is(err, ErrInvalidOptions) {
				t.Fatalf("Validate() = %v, want ErrInvalidOptions", err)
			}
			if _, err := New(tc.opts); !errors.Is(err, ErrInvalidOptions) {
				t.Fatalf("New() error %v, want ErrInvalidOptions", err)
			}
		})
	}
	if err := (Options{}).Validate(); err != nil {
		t.Fatalf("zero options invalid: %v", err)
	}
}

func TestBadInputIsAnError(t *testing.T) {
	w, p := newTestWorld(t, Options{}, 2)
	net := w.Net()
	lo := LinkOptions{}
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"crash unknown", w.Crash(9), ErrUnknownNode},
		{"crash zero", w.Crash(0), ErrUnknownNode},
		{"restart unknown", w.Restart(-1), ErrUnknownNode},
		{"pause unknown", w.Pause(3), ErrUnknownNode},
		{"resume unknown", w.Resume(3), ErrUnknownNode},
		{"restart running", w.Restart(1), ErrNodeState},
		{"resume running", w.Resume(1), ErrNodeState},
		{"partition unknown", net.Partition([]NodeID{1}, []NodeID{7}), ErrUnknownNode},
		{"partition duplicate", net.Partition([]NodeID{1}, []NodeID{1, 2}), ErrInvalidOptions},
		{"one-way unknown from", net.PartitionOneWay([]NodeID{5}, []NodeID{1}), ErrUnknownNode},
		{"one-way unknown to", net.PartitionOneWay([]NodeID{1}, []NodeID{5}), ErrUnknownNode},
		{"set link unknown", net.SetLink(1, 9, lo), ErrUnknownNode},
		{"set link invalid", net.SetLink(1, 2, LinkOptions{Bandwidth: -5}), ErrInvalidOptions},
		{"spike unknown", net.SpikeDelay(9, 1, ms, ms), ErrUnknownNode},
		{"spike negative", net.SpikeDelay(1, 2, -ms, ms), ErrInvalidOptions},
		{"reset unknown conn", net.Reset(42), ErrUnknownConn},
		{"blackhole unknown conn", net.Blackhole(42), ErrUnknownConn},
		{"send unknown conn", p[0].env.Send(42, nil), ErrUnknownConn},
		{"close unknown conn", p[0].env.Close(42), ErrUnknownConn},
	} {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.err, tc.want) })
	}
	_, err := p[0].env.Dial(9)
	wantErr(t, err, ErrUnknownNode)
	_, err = p[0].env.Dial(1)
	wantErr(t, err, ErrRefused)
	_, err = w.Disk(9)
	wantErr(t, err, ErrUnknownNode)
	_, err = w.Clock(0)
	wantErr(t, err, ErrUnknownNode)
	_, err = w.State(9)
	wantErr(t, err, ErrUnknownNode)
	_, err = w.AddNode(KindServer, nil)
	wantErr(t, err, ErrInvalidOptions)
	_, err = w.AddNode(NodeKind(9), func(NodeID) Process { return &testProc{} })
	wantErr(t, err, ErrInvalidOptions)
	d, _ := w.Disk(1)
	wantErr(t, d.SetOptions(DiskOptions{TornProbability: 3}), ErrInvalidOptions)
	if net.Blocked(1, 99) {
		t.Fatal("unknown link reported blocked")
	}
	// A connection end that belongs to another node is unknown to this one.
	c := mustDial(t, p[0], 2)
	w.RunFor(time.Second)
	p2, _ := w.Process(2)
	_ = p2
	wantErr(t, w.Crash(2), nil)
	wantErr(t, w.Crash(2), ErrNodeState)
	wantErr(t, w.Pause(2), ErrNodeState)
	must(t, w.Restart(2))
	w.RunFor(0)
	wantErr(t, p[1].env.Send(c, nil), ErrUnknownConn)
}
