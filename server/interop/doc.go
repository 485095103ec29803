// Package interop checks the server against the real Apache ZooKeeper world: the
// Java zkCli, the C client (cli_mt) and kazoo drive a standalone zkserver, and
// zkbench measures a 3-node zkserver ensemble beside an Apache ZooKeeper
// ensemble started in the same run (or standalone servers of both).
//
// Everything but this file builds only with the interop tag, so `go test ./...`
// never needs Java or Python:
//
//	make interop       installs zookeeper, zookeeper-bin and python3-kazoo when
//	                   missing, then runs go test -tags interop ./server/interop/
//	make bench-server  runs zkbench: create, setData and getData with 1, 16 and 64
//	                   go-zookeeper clients against both ensembles, printed as a
//	                   markdown table of ratios and goals (BENCH_FLAGS=-members=1
//	                   for standalone servers)
//
// Each server runs as its own process in its own process group, on a free loopback
// port, with a zoo.cfg and dataDir in a temporary directory; it is killed, group
// and all, when the test or the run ends (or, through the parent-death signal, when
// the test binary dies first).
//
// Every client test runs the same client against a fresh Apache ZooKeeper too and
// compares: a check that fails only against zkserver is a zkserver divergence. The
// divergences known today are listed where they are checked (kazooDivergences,
// testdata/zkcli_divergent.diff), so fixing one fails the test until the record is
// updated.
package interop
