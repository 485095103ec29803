// Package jepsen runs the project's scenarios against a real ensemble of zkserver
// processes, the way Jepsen tests a real database: real processes, real sockets, real
// fsync. It reuses the nemesis vocabulary, schedules and Runner, the scenario
// definitions and the checkers unchanged; only the Target and the clients are real.
//
// Every link is owned by the harness. Each ordered pair of servers talks through its
// own TCP relay (one for the quorum port, one for the election port): server i's zoo.cfg
// names server j at the relay for i→j, which forwards to j's real port. Clients reach
// each server through a relay in front of its client port. A relay can refuse and
// close (drop), accept and discard one direction (blackhole), hold bytes without
// delivering them (clog), add delay, and reset its connections, so every partition
// shape of the nemesis (halves, isolate, third, ring, bridge, one-way) is made of
// per-direction relay modes.
//
// Crashes are kill -9 of the server's process group and restarts are start-foreground
// on the same dataDir; pauses are SIGSTOP/SIGCONT. Disk faults (a flipped bit, a torn
// tail) are applied to the files of a crashed server before it restarts; a fault asked
// for while the server runs waits for its next crash. Clock bumps and drift rewrite
// the server's test-only clock file (zkserver --test-only-clock-file), which it
// re-reads at every tick; clock faults aimed at clients are skipped. Crash points are
// written to the server's test-only crash file (zkserver --test-only-crash-file): the
// server exits with status 137 at the armed step and restarts like after kill -9. The
// server has no fsync-lying hook, so disk-lost-fsync and disk-failed-sync are skipped
// and reported as skipped; a kill keeps the page cache, so even a crash point before
// an fsync does not lose what was written.
//
// Faults aimed at a client id act on the client's own side of its connection: a
// paused or crashed client issues nothing and its bytes are held (so its session may
// expire), a clog holds its bytes, a delay spike slows them, a reset closes its
// connection.
//
// A catalogued protocol bug (package protocol/bugs) is switched on in real processes
// through zkserver's test-only --test-only-bugs flag: Options.Bugs (zksim jepsen
// --bug) passes it to every server, as Options.ServerArgs (--zkserver-arg) passes
// any other flag.
//
// Clients are go-zookeeper/zk sessions. Each runs one operation at a time and records
// it as a checker.Operation with wall-clock invoke and return times relative to the
// start of the run; the reply zxid, which go-zk does not expose, is read from the reply
// header by a dialer that watches the byte stream. When go-zk replaces an expired
// session on its own, the switch is recorded as an expiry and a new session. The
// workload is versioned registers (getData, sync then getData, setData blind and with
// the last version read, create) and churn (persistent and ephemeral sequential
// creates, deletes of the client's own ephemerals); the scenario's lock, watch and
// multi weights count as register work. ZAB node logs cannot be taken from
// real processes, so the checkers' ZAB properties are skipped; instead, after the final
// heal, every acknowledged write is read back from every live server, and the live
// servers' persistent nodes are compared (they must have converged).
//
// A real run is not bit-reproducible: the seed fixes the fault schedule and the
// workload's choices, not the interleaving the operating system produces.
package jepsen
