package scenarios

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/zksim/zksim/nemesis"
)

// ErrScenario reports an unknown or invalid scenario.
var ErrScenario = errors.New("scenarios: invalid scenario")

// Duration is a time.Duration that reads and writes as text ("30s") in scenario files.
type Duration time.Duration

// MarshalText writes the duration as Go duration text.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads Go duration text such as "1m30s".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Workload is the mix of client tasks: relative weights per task kind, and how
// fast each client starts tasks. A weight of 0 is written out: a file that leaves a
// weight out gets the default scenario's, so a written scenario must say 0 to read
// back the same.
type Workload struct {
	Register     int `json:"register"`     // getData / setData / CAS, some after sync
	Churn        int `json:"churn"`        // sequential and ephemeral create/delete
	Lock         int `json:"lock"`         // the lock recipe
	ConfigWatch  int `json:"configWatch"`  // watch-heavy configuration readers
	Multi        int `json:"multi"`        // multi transactions
	SessionChurn int `json:"sessionChurn"` // close and reopen sessions

	Interval    Duration `json:"interval"`    // mean pause between task starts per client
	Concurrency int      `json:"concurrency"` // tasks in flight per client
	Keys        int      `json:"keys"`        // register keys
}

// Scenario is one named chaos scenario: the cluster, its timing, the workload, the
// faults and how long each phase lasts. It is plain data, defined in Go or loaded from
// a JSON file.
type Scenario struct {
	Name        string `json:"name"`
	Description string `json:"description"`

	Voters    int `json:"voters"`
	Observers int `json:"observers"`
	Clients   int `json:"clients"`

	TickTime       Duration `json:"tickTime"`
	InitLimit      int      `json:"initLimit"`
	SyncLimit      int      `json:"syncLimit"`
	SessionTimeout Duration `json:"sessionTimeout"`
	SnapCount      int      `json:"snapCount"`
	// CounterBits narrows the zxid counter (default 32) so runs reach the rollover
	// that forces a new epoch.
	CounterBits uint `json:"counterBits,omitempty"`
	// UnanimousElection ends an election round at once when every voter agrees, as
	// zkserver does (protocol.Config.DecideWhenUnanimous); off, rounds wait out
	// finalizeWait as in ZooKeeper 3.8.
	UnanimousElection bool `json:"unanimousElection,omitempty"`

	// Latency is the median one-way network latency; links have a heavy tail above it.
	Latency Duration `json:"latency"`
	// SyncLatency is how long an fsync takes.
	SyncLatency Duration `json:"syncLatency"`
	// TornWrites is the chance a crash leaves a torn tail of unsynced appends.
	TornWrites float64 `json:"tornWrites"`

	Workload Workload `json:"workload"`
	// Nemesis is the fault mix, in nemesis.ParseMix's text form.
	Nemesis string `json:"nemesis"`

	// Duration is the safety phase, with faults; Quiesce the liveness phase after the
	// final heal.
	Duration Duration `json:"duration"`
	Quiesce  Duration `json:"quiesce"`

	// UnsafeDiskFaults lets the nemesis make fsync lie (disk-lost-fsync). No
	// replicated log survives that, so a run with it may fail without a protocol bug.
	UnsafeDiskFaults bool `json:"unsafeDiskFaults,omitempty"`

	// Linearizability runs the Porcupine checks (the costly part of checking).
	Linearizability bool `json:"linearizability"`
}

// Shape is the scenario's cluster shape as the nemesis numbers it.
func (s Scenario) Shape() nemesis.ClusterShape {
	return nemesis.ClusterShape{Voters: s.Voters, Observers: s.Observers, Clients: s.Clients}
}

// Mix parses the scenario's fault mix.
func (s Scenario) Mix() (nemesis.Mix, error) {
	if strings.TrimSpace(s.Nemesis) == "" {
		return nemesis.Mix{}, nil
	}
	return nemesis.ParseMix(s.Nemesis)
}

// Validate reports the first problem with the scenario.
func (s Scenario) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %q: %s", ErrScenario, s.Name, fmt.Sprintf(format, args...))
	}
	switch {
	case s.Name == "":
		return fmt.Errorf("%w: no name", ErrScenario)
	case s.Voters < 1:
		return bad("voters = %d, want at least 1", s.Voters)
	case s.Observers < 0 || s.Clients < 0:
		return bad("negative observers or clients")
	case s.TickTime <= 0:
		return bad("tickTime must be positive")
	case s.InitLimit < 1 || s.SyncLimit < 1:
		return bad("initLimit and syncLimit must be at least 1")
	case s.SessionTimeout <= 0:
		return bad("sessionTimeout must be positive")
	case s.Duration <= 0 || s.Quiesce <= 0:
		return bad("duration and quiesce must be positive")
	case s.Latency < 0 || s.SyncLatency < 0:
		return bad("latencies must not be negative")
	case s.TornWrites < 0 || s.TornWrites > 1:
		return bad("tornWrites %v outside [0,1]", s.TornWrites)
	case s.CounterBits > 32:
		return bad("counterBits %d above 32", s.CounterBits)
	case s.Workload.Interval <= 0 || s.Workload.Concurrency < 1:
		return bad("workload interval must be positive and concurrency at least 1")
	}
	if err := s.Shape().Validate(); err != nil {
		return bad("%v", err)
	}
	if _, err := s.Mix(); err != nil {
		return bad("nemesis: %v", err)
	}
	return nil
}

// Load reads a scenario from a JSON file. Fields it leaves out take the values the
// named scenarios start from (the default scenario's, but for its calmer 800 ms
// operation interval and 130 s of faults).
func Load(path string) (Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Scenario{}, err
	}
	return Parse(path, data)
}

// Parse reads a scenario from JSON text; name labels errors.
func Parse(name string, data []byte) (Scenario, error) {
	s := base()
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Scenario{}, fmt.Errorf("%w: %s: %v", ErrScenario, name, err)
	}
	if err := s.Validate(); err != nil {
		return Scenario{}, fmt.Errorf("%s: %w", name, err)
	}
	return s, nil
}
