// Package sim is the deterministic world in which whole ZooKeeper ensembles and their
// clients run: one seed, virtual time, an event queue, and virtual clocks, network and
// disks with injectable faults. The same seed gives the same run, byte for byte.
package sim
