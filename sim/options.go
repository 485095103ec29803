package sim

import (
	"fmt"
	"time"
)

// maxDuration bounds every configured duration so that sums of them cannot overflow.
const maxDuration = 24 * time.Hour

// maxDriftPPM bounds clock drift: a clock may run at most 50% fast or slow.
const maxDriftPPM = 500_000

// Options configures a World. The zero value is valid: instant links, instant syncs,
// perfect clocks, no faults, trace hashed only.
type Options struct {
	Seed    uint64
	Network NetworkOptions
	Disk    DiskOptions
	Clock   ClockOptions
	// KeepTrace keeps the full trace text (for reports and diffs) besides its hash.
	KeepTrace bool
}

// Validate reports the first invalid field, wrapped in ErrInvalidOptions.
func (o Options) Validate() error {
	if err := o.Network.Validate(); err != nil {
		return err
	}
	if err := o.Disk.Validate(); err != nil {
		return err
	}
	return o.Clock.Validate()
}

// Latency is a delay distribution with a heavy tail. A draw is Min plus a uniform
// amount in [0, 2*Mean] (so its mean is Min+Mean); with TailProbability the draw also
// gets a tail delay of b*2^g*(1+u) where b = max(Mean, Min, 1ms), g is geometric with
// P(g >= k) = 2^-k and u is uniform in [0,1): P(tail > x) falls off like 1/x, a
// Pareto tail. The tail is capped at TailMax. All arithmetic is integer, so draws are
// the same on every architecture.
type Latency struct {
	Min             time.Duration
	Mean            time.Duration
	TailProbability float64
	TailMax         time.Duration
}

// Validate checks the distribution's parameters.
func (l Latency) Validate() error {
	if err := checkDuration("Min", l.Min); err != nil {
		return err
	}
	if err := checkDuration("Mean", l.Mean); err != nil {
		return err
	}
	if err := checkDuration("TailMax", l.TailMax); err != nil {
		return err
	}
	if err := checkProbability("TailProbability", l.TailProbability); err != nil {
		return err
	}
	if l.TailProbability > 0 && l.TailMax == 0 {
		return fmt.Errorf("%w: TailMax must be positive when TailProbability > 0", ErrInvalidOptions)
	}
	return nil
}

// LinkOptions describes one direction of the path between two nodes.
type LinkOptions struct {
	Latency Latency
	// Bandwidth in bytes per second; messages on the link are serialized behind each
	// other. Zero means unlimited. A low bandwidth models a clogged link.
	Bandwidth int64
	// QueueLimit bounds the bytes in flight on one direction of a connection. A Send
	// that would exceed it fails with ErrQueueFull and resets the connection (so the
	// byte stream never has a gap). Zero means unlimited.
	QueueLimit int
}

// Validate checks the link's parameters.
func (l LinkOptions) Validate() error {
	if err := l.Latency.Validate(); err != nil {
		return fmt.Errorf("latency: %w", err)
	}
	if l.Bandwidth < 0 {
		return fmt.Errorf("%w: Bandwidth %d is negative", ErrInvalidOptions, l.Bandwidth)
	}
	if l.QueueLimit < 0 {
		return fmt.Errorf("%w: QueueLimit %d is negative", ErrInvalidOptions, l.QueueLimit)
	}
	return nil
}

// NetworkOptions configures the simulated network.
type NetworkOptions struct {
	// Link applies to every directed pair of nodes unless Network.SetLink overrides it.
	Link LinkOptions
	// DialTimeout is how long a dial that hears nothing back waits before it fails
	// with ErrDialTimeout. Zero means 2s.
	DialTimeout time.Duration
	// ResetDelay is how long after a reset each end learns of it.
	ResetDelay Latency
	// ResetProbability is the chance that a connection cut by a partition is reset
	// (both ends told after ResetDelay) rather than blackholed (nobody told).
	ResetProbability float64
}

// Validate checks the network's parameters.
func (o NetworkOptions) Validate() error {
	if err := o.Link.Validate(); err != nil {
		return fmt.Errorf("network link: %w", err)
	}
	if err := checkDuration("DialTimeout", o.DialTimeout); err != nil {
		return fmt.Errorf("network: %w", err)
	}
	if err := o.ResetDelay.Validate(); err != nil {
		return fmt.Errorf("network reset delay: %w", err)
	}
	if err := checkProbability("ResetProbability", o.ResetProbability); err != nil {
		return fmt.Errorf("network: %w", err)
	}
	return nil
}

func (o NetworkOptions) dialTimeout() time.Duration {
	if o.DialTimeout == 0 {
		return 2 * time.Second
	}
	return o.DialTimeout
}

// DiskOptions configures every node's disk (Disk.SetOptions changes one).
type DiskOptions struct {
	// SyncLatency is the time a Sync takes; syncs on one disk complete in order.
	SyncLatency Latency
	// SyncErrorProbability is the chance a Sync reports ErrSyncFailed; nothing
	// becomes durable.
	SyncErrorProbability float64
	// LostWriteProbability is the chance a Sync reports success but nothing becomes
	// durable.
	LostWriteProbability float64
	// TornProbability is the chance, per file with unsynced appends, that a crash
	// keeps a prefix of them, cut at an arbitrary byte.
	TornProbability float64
}

// Validate checks the disk's parameters.
func (o DiskOptions) Validate() error {
	if err := o.SyncLatency.Validate(); err != nil {
		return fmt.Errorf("disk sync latency: %w", err)
	}
	for _, p := range []struct {
		name string
		v    float64
	}{
		{"SyncErrorProbability", o.SyncErrorProbability},
		{"LostWriteProbability", o.LostWriteProbability},
		{"TornProbability", o.TornProbability},
	} {
		if err := checkProbability(p.name, p.v); err != nil {
			return fmt.Errorf("disk: %w", err)
		}
	}
	return nil
}

// ClockOptions sets up each node's clock when it is added: an offset drawn uniformly
// from [-MaxOffset, MaxOffset] and a drift from [-MaxDriftPPM, MaxDriftPPM].
type ClockOptions struct {
	MaxOffset   time.Duration
	MaxDriftPPM int64
}

// Validate checks the clock parameters.
func (o ClockOptions) Validate() error {
	if err := checkDuration("MaxOffset", o.MaxOffset); err != nil {
		return fmt.Errorf("clock: %w", err)
	}
	if o.MaxDriftPPM < 0 || o.MaxDriftPPM > maxDriftPPM {
		return fmt.Errorf("%w: clock: MaxDriftPPM %d outside [0, %d]", ErrInvalidOptions, o.MaxDriftPPM, maxDriftPPM)
	}
	return nil
}

func checkDuration(name string, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("%w: %s %v is negative", ErrInvalidOptions, name, d)
	}
	if d > maxDuration {
		return fmt.Errorf("%w: %s %v exceeds %v", ErrInvalidOptions, name, d, maxDuration)
	}
	return nil
}

func checkProbability(name string, p float64) error {
	// Written so that NaN fails too.
	if !(p >= 0 && p <= 1) {
		return fmt.Errorf("%w: %s %v outside [0, 1]", ErrInvalidOptions, name, p)
	}
	return nil
}
