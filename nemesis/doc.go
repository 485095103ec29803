// Package nemesis is the fault vocabulary shared by simulated and real clusters, and the
// seeded, printable, replayable schedules of faults applied through a Target.
//
// # Vocabulary
//
// A Fault is plain data: a time, a Kind, a target (explicit node ids or a Selector such
// as "leader", resolved when the fault is applied) and the parameters its kind takes.
// Kinds cover partitions (explicit groups, random halves, one node isolated, a minority
// third, a majorities ring, a bridge, one-way), heal; crash and restart; pause and
// resume; clock bumps, strobes, scrambles and drift; connection resets, delay spikes and
// clogging; disk faults (lost fsync, torn tail, bit flip, failed sync); and named
// CrashPoints that kill a server at an exact protocol step. Kinds, CrashPoints and
// Selectors list them with one-line descriptions.
//
// # Schedules
//
// A Schedule is a time-ordered list of faults whose text form is one fault per line,
//
//	# comments and blank lines are ignored
//	1.5s crash leader for=3s
//	2s partition groups=1,2|3,4,5 for=1s
//	4s crash-point follower point=follower-fsync-before-ack nth=2 for=5s
//	30s heal-all
//	30s liveness
//
// Fault.String and ParseFault (Schedule.String and ParseSchedule) are exact inverses.
// Every run has two phases, as in TigerBeetle's simulator: a safety phase with faults,
// then, at its end, a heal-all (heal partitions, resume, restart, clear clocks, link
// and disk faults, disarm crash points) and the liveness marker, after which no fault
// happens and the cluster must recover (within the marker's for=, when it gives one). A
// valid schedule always ends with that frame.
//
// Generate draws a schedule from a seed, a Mix and a ClusterShape. Unless the mix is
// Fixed, the seed first draws which of the mix's kinds are on and how hard they hit
// (swarm testing), so a sweep over seeds covers many fault mixes. Unless the mix allows
// quorum loss, at most a minority of voters is ever crashed or paused at once, even
// when every armed crash point fires. The same inputs give the same text, byte for byte.
//
// # Applying
//
// Apply performs one fault on a Target, the small interface that the simulator's world
// implements and a runner of real processes can implement too. A Runner drives a whole
// schedule: wait until Next, then Advance to that time, in simulated time or from
// wall-clock timers. Faults with for= end by themselves: when applied, they queue
// concrete follow-ups (a restart of the node that was really crashed, a heal, the
// strobe's later jumps). Each fault's random choices come from its own generator, so
// Shrink, a delta-debugging minimizer, can remove faults without changing what the
// others do. Recorder is a deterministic fake Target for tests.
//
// The package never imports the simulator, the server, scenarios, reports or commands.
package nemesis
