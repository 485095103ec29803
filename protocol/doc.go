// Package protocol is the pure core of zksim's ZooKeeper server: leader election, ZAB,
// the data tree, sessions, watches and the request pipeline, as deterministic state
// machines. It performs no I/O, starts no goroutines, reads no clock and draws no
// randomness of its own: inputs arrive as method calls and everything it wants done is
// returned for the host (the simulator or the real server) to carry out.
package protocol
