package scenarios

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zksim/zksim/checker"
)

const sampleTrace = `0 world seed=7
0 add n=1 kind=server offset=5 drift=1
0 add n=2 kind=server offset=-5 drift=2
0 add n=3 kind=client offset=0 drift=0
0 boot n=1 gen=1
0 boot n=2 gen=1
0 boot n=3 gen=1
10 msg c=1 from=3 to=1 len=4 h=ab
20 log n=1 text="role following epoch=2 leader=2 epoch=3"
30 partition g=1 g=2 g=0
40 partition-oneway from=1 to=2
50 heal
60 log n=2 text="halt: fsync failed: disk says \"no\""
60 crash n=2 gen=2
70 crash-point n=1 point="after-append"
80 clock-jump n=1 v=-500
90 corrupt n=2 file="log.1" off=3 bit=4
95 log n=1 text="applied 0x1..0x2"
`

func TestTimelineReadsTheTrace(t *testing.T) {
	res := Result{Trace: sampleTrace, Simulated: 100, NodeLogs: []checker.NodeLog{
		{Node: 1, Events: []checker.NodeEvent{{Kind: checker.NodeLeaderLost, Time: 20, Epoch: 1}}}, // its trace says more
		{Node: 2, Events: []checker.NodeEvent{
			{Kind: checker.NodeLeaderEstablished, Time: 25, Epoch: 2},
			{Kind: checker.NodeLeaderLost, Time: 55, Epoch: 2},
		}}}}
	tl, err := res.Timeline()
	require.NoError(t, err)
	require.Equal(t, []int{1, 2}, tl.Servers)
	require.Equal(t, []int{3}, tl.Clients)
	require.Equal(t, []ClockStart{{Node: 1, Offset: 5, DriftPPM: 1}, {Node: 2, Offset: -5, DriftPPM: 2}, {Node: 3}}, tl.Clocks)
	require.Equal(t, int64(100), tl.End)
	require.Equal(t, []NodeChange{
		{Time: 0, Node: 1, Kind: ChangeBoot},
		{Time: 0, Node: 2, Kind: ChangeBoot},
		{Time: 0, Node: 3, Kind: ChangeBoot},
		{Time: 20, Node: 1, Kind: ChangeRole, Detail: "following", Value: 2, Note: "epoch=2 leader=2 epoch=3"},
		{Time: 25, Node: 2, Kind: ChangeRole, Detail: "leading", Value: 2},
		{Time: 55, Node: 2, Kind: ChangeRole, Detail: "looking", Value: 2},
		{Time: 60, Node: 2, Kind: ChangeHalt, Detail: `fsync failed: disk says "no"`},
		{Time: 60, Node: 2, Kind: ChangeCrash},
		{Time: 70, Node: 1, Kind: ChangeCrashPoint, Detail: "after-append"},
		{Time: 80, Node: 1, Kind: ChangeClockJump, Value: -500},
		{Time: 90, Node: 2, Kind: ChangeCorrupt, Detail: "log.1"},
	}, tl.Changes)
	require.Equal(t, []PartitionChange{
		{Time: 30, Groups: [][]int{{1}, {2}}},
		{Time: 40, Groups: [][]int{{1}, {2}}, OneWay: [][2]int{{1, 2}}},
		{Time: 50},
	}, tl.Partitions)
}

func TestTimelineRejectsWhatItCannotRead(t *testing.T) {
	_, err := Result{}.Timeline()
	require.ErrorIs(t, err, ErrNoTrace)
	for _, bad := range []string{
		"x boot n=1 gen=1\n",
		"10\n",
		"10 boot n=one gen=1\n",
		"10 boot n=1 gen\n",
		"10 log n=1 text=\"unterminated\n",
		"10 log n=1 text=\"role \"\n",
		"10 partition g=1 x=2\n",
		"10 partition-oneway from=1\n",
		"0 add n=1 kind=server offset=x drift=0\n",
		"0 add n=1 kind=server offset=0\n",
	} {
		_, err := Result{Trace: bad}.Timeline()
		require.ErrorIs(t, err, ErrTrace, "%q", bad)
	}
}

func TestTimelineOfARealRun(t *testing.T) {
	s, err := Lookup("standalone")
	require.NoError(t, err)
	s.Duration, s.Quiesce = Duration(5*time.Second), Duration(2*time.Second)
	res, err := Run(s, 1, RunOptions{KeepTrace: true})
	require.NoError(t, err)
	tl, err := res.Timeline()
	require.NoError(t, err)
	require.Len(t, tl.Servers, s.Voters+s.Observers)
	// The workload's clients, and the final read back's one client per serving member.
	require.Len(t, tl.Clients, s.Clients+s.Voters+s.Observers)
	require.NotEmpty(t, res.NodeLogs)
	boots := 0
	for _, c := range tl.Changes {
		if c.Kind == ChangeBoot {
			boots++
		}
	}
	require.GreaterOrEqual(t, boots, s.Voters+s.Observers+s.Clients)
}
