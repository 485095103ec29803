package main

import (
	"strconv"
	"strings"
)

// seedRange is an inclusive range of seeds, "A..B" on the command line.
type seedRange struct{ lo, hi uint64 }

func parseSeeds(s string) (seedRange, error) {
	lo, hi, ok := strings.Cut(s, "..")
	if !ok {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return seedRange{}, usagef("--seeds %q: want A..B or a single seed", s)
		}
		return seedRange{n, n}, nil
	}
	a, err1 := strconv.ParseUint(lo, 10, 64)
	b, err2 := strconv.ParseUint(hi, 10, 64)
	if err1 != nil || err2 != nil {
		return seedRange{}, usagef("--seeds %q: A and B must be non-negative integers", s)
	}
	if a > b {
		return seedRange{}, usagef("--seeds %q: A must not exceed B", s)
	}
	return seedRange{a, b}, nil
}

// shard is "i/n": this machine runs the seeds whose offset in the range is i mod n.
type shard struct{ index, count uint64 }

func parseShard(s string) (shard, error) {
	if s == "" {
		return shard{0, 1}, nil
	}
	i, n, ok := strings.Cut(s, "/")
	a, err1 := strconv.ParseUint(i, 10, 64)
	b, err2 := strconv.ParseUint(n, 10, 64)
	if !ok || err1 != nil || err2 != nil || b == 0 || a >= b {
		return shard{}, usagef("--shard %q: want i/n with 0 <= i < n", s)
	}
	return shard{a, b}, nil
}

// seeds lists the range's seeds that belong to the shard, in order.
func (r seedRange) seeds(sh shard) []uint64 {
	var out []uint64
	for s := r.lo; ; s++ {
		if (s-r.lo)%sh.count == sh.index {
			out = append(out, s)
		}
		if s == r.hi {
			break
		}
	}
	return out
}
