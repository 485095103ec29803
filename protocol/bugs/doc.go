// Package bugs names deliberately reintroduced protocol faults: historical ZooKeeper
// bugs (by JIRA key) and a few plainly broken variants of ZAB. Each protocol package
// that can reproduce a fault takes a Set in its Config and behaves wrongly only for the
// names in it; the zero Set is the correct protocol.
//
// The catalog exists to prove the test harness: switching a bug on must make some
// checker property fail for some seed. A Set is never read from zoo.cfg; only test
// code and explicitly test-only flags build one.
package bugs
