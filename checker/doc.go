// Package checker judges recorded histories: linearizability with Porcupine, ZooKeeper's
// ordering promises, sessions, watches, ZAB invariants and liveness, each producing a
// verdict with the minimal evidence a person needs to act on it.
package checker
