// Package sim is the deterministic world in which whole ZooKeeper ensembles and their
// clients run: one seed, virtual time, an event queue, and virtual clocks, network and
// disks with injectable faults. The same seed gives the same run, byte for byte.
//
// # The world
//
// A World holds nodes (servers and clients alike), each running a Process that the
// world drives through callbacks: Start on boot, OnConnect/OnMessage/OnClose for
// connections, OnTimer, OnSyncDone. A process acts on its node only through its Env:
// the local clock, timers, Dial/Send/Close, the disk, and its own seeded random
// source. Faults come from outside, through the World (Crash, Restart, Pause,
// Resume, ArmCrashPoint), its Network (Partition, PartitionOneWay, Heal, Reset,
// ResetNode, Blackhole, Clog, Unclog, SpikeDelay, SetLink), each node's Clock (Jump,
// SetDrift, Clear) and Disk (SetOptions, CorruptBit). A process that reaches a named
// step calls Env.CrashPoint, so an armed node dies exactly there.
//
// # Event order
//
// Everything that happens is an event in one priority queue, ordered by (true time,
// sequence number). The sequence number is a counter bumped on every scheduling, so
// two events due at the same instant run in the order they were scheduled, and the
// order is total. Step pops one event, sets the world's time to it and runs it.
// Nothing is scheduled in the past, so true time never goes backwards. Events for a
// node carry its incarnation; a crash bumps it, so everything the dead incarnation
// had in flight (timers, sync completions, deliveries) is dropped. Events for a paused
// node are set aside in the order they came due and re-queued, in that order, at
// Resume.
//
// # Determinism rules
//
//   - One goroutine: the world never starts one, and callbacks run one at a time.
//   - One seed: New draws a sub-seed for each subsystem (workload, nemesis, network,
//     disks, clocks, processes) from a master PCG, and disks, clocks and processes
//     derive one more level per node (and per incarnation for processes). Changing
//     how much one subsystem draws never shifts another's draws.
//   - No map iteration reaches an outcome: connections are walked in creation order,
//     files in name order.
//   - Integer arithmetic only for times, latencies and clock drift, so no
//     floating-point rounding differs between architectures; the only floats are
//     probability comparisons of exactly generated values.
//   - The trace records every delivered message (with a hash of its bytes), timer,
//     sync completion, connection event, fault and lifecycle change; TraceHash is the
//     SHA-256 of the records in a compact binary form, and Options.KeepTrace keeps
//     them as canonical text too. Equal seeds give equal hashes, whatever GOMAXPROCS.
//
// World.NewLogger gives a log/slog logger whose records carry the virtual time (vt=)
// instead of wall time, so logs, like traces, are the same for the same seed.
//
// # Network
//
// Connections are modelled on TCP, which ZAB relies on: a dial yields a connection or
// a refusal (target down) or a timeout (no path); each direction delivers messages in
// order, exactly once, until the connection breaks, after which nothing more crosses
// it. Partitions, including one-way ones, break the connections they cut: a reset
// tells both ends after a short delay, a blackhole tells nobody. Links have a latency
// distribution with a heavy tail, optional bandwidth (clogging), a per-connection
// queue limit, and temporary delay spikes; a clog holds a node's traffic, losing
// nothing, until it is unclogged. Messages are bytes, copied once at Send.
//
// # Time
//
// Guarantees: event times never decrease; each node's Monotonic clock never decreases;
// each node's wall clock (Env.Now) never decreases except by an injected negative
// Clock.Jump.
package sim
