// Package nemesis is the fault vocabulary shared by simulated and real clusters, and the
// seeded, printable, replayable schedules of faults applied through a Target.
package nemesis
