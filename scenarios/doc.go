// Package scenarios holds the named chaos scenarios: cluster shape, timing, workload mix,
// nemesis mix, duration and checks, defined in Go or loaded from a file.
package scenarios
