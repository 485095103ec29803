package nemesis_test

import (
	"fmt"
	"time"

	"github.com/zksim/zksim/nemesis"
)

func ExampleParseSchedule() {
	s, err := nemesis.ParseSchedule(`
# the leader dies, then a follower crashes right after fsyncing a proposal
1.5s crash leader for=3s
2s partition groups=1,2|3,4,5 for=1s
4s crash-point follower point=follower-fsync-before-ack nth=2 for=5s
30s heal-all
30s liveness
`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(s)
	// Output:
	// # nemesis schedule: 5 faults, liveness from 30s
	// 1.5s crash leader for=3s
	// 2s partition groups=1,2|3,4,5 for=1s
	// 4s crash-point follower point=follower-fsync-before-ack nth=2 for=5s
	// 30s heal-all
	// 30s liveness
}

func ExampleRunner() {
	s, _ := nemesis.ParseSchedule("1s crash leader for=2s\n5s heal-all\n5s liveness\n")
	cluster := nemesis.NewRecorder(nemesis.ClusterShape{Voters: 3})
	run := nemesis.NewRunner(s, 1)
	for {
		at, ok := run.Next()
		if !ok {
			break
		}
		applied, err := run.Advance(cluster, at)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, a := range applied {
			fmt.Println(a)
		}
	}
	// Output:
	// 1s crash leader for=2s => nodes=1
	// 3s restart 1 => nodes=1
	// 5s heal-all => done
	// 5s liveness => done
}

func ExampleGenerate() {
	mix, _ := nemesis.ParseMix("crash=2,partition-isolate=1,gap=2s,fixed")
	s, err := nemesis.Generate(1, mix, nemesis.ClusterShape{Voters: 3, Clients: 2}, 10*time.Second)
	if err != nil {
		fmt.Println(err)
		return
	}
	end, _ := s.SafetyEnd()
	fmt.Println(len(s) >= 2, s[len(s)-2].Kind, s[len(s)-1].Kind, end)
	// Output: true heal-all liveness 10s
}
