// Package zkclient is the simulated ZooKeeper client: a sim.Process on a client node
// that behaves like the real client library, speaking the real wire codec. It shuffles
// its connect string, opens a session with a ConnectRequest, pings when idle (read
// timeout 2/3 of the negotiated session timeout, pings at half of that), declares a
// connection dead when nothing arrives for the read timeout, reconnects to the next
// server with its session id, password and last zxid seen, re-registers its watches
// with setWatches, and learns of expiry from a ConnectResponse with timeout 0.
//
// Requests are pipelined with increasing xids and replies matched in order, as the Java
// client does. An operation whose connection dies after it was sent is recorded as
// OutcomeUnknown and never retried; one never sent fails (OutcomeFailed), as do those
// answered SESSIONEXPIRED. Every operation, watch notification and session event is
// recorded in checker's history format with true (world) times.
//
// Workloads (register, churn, lock, configuration watch, multi, session churn) drive
// clients from the world's workload random stream, so a run is fixed by its seed.
package zkclient
