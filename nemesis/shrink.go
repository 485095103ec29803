package nemesis

import (
	"fmt"
	"slices"
)

// Shrink looks for a smallest schedule that still fails, by delta debugging (ddmin)
// over the removable faults; the final heal-all and liveness marker always stay. fails
// must report whether a schedule still shows the failure, and s must fail. The result
// is 1-minimal: removing any one more fault makes it pass. fails is called at most
// once per distinct subset. Shrink keeps whatever fails says fails, so fails decides
// what failure is kept (zksim shrink accepts only the original properties).
func Shrink(s Schedule, fails func(Schedule) bool) Schedule {
	tried := map[string]bool{}
	test := func(items []int) bool {
		key := fmt.Sprint(items)
		if v, ok := tried[key]; ok {
			return v
		}
		v := fails(s.Keep(items))
		tried[key] = v
		return v
	}
	items := s.Removable()
	tried[fmt.Sprint(items)] = true
	n := 2
	for len(items) >= 2 {
		chunks := split(items, n)
		reduced := false
		for _, c := range chunks {
			if test(c) {
				items, n, reduced = c, 2, true
				break
			}
		}
		if !reduced && n > 2 {
			for i := range chunks {
				rest := slices.Concat(slices.Concat(chunks[:i]...), slices.Concat(chunks[i+1:]...))
				if test(rest) {
					items, n, reduced = rest, max(n-1, 2), true
					break
				}
			}
		}
		if !reduced {
			if n >= len(items) {
				break
			}
			n = min(2*n, len(items))
		}
	}
	if len(items) == 1 && test(nil) {
		items = nil
	}
	return s.Keep(items)
}

// split cuts items into n nearly equal, non-empty, contiguous parts.
func split(items []int, n int) [][]int {
	var out [][]int
	start := 0
	for i := range n {
		end := start + (len(items)-start)/(n-i)
		out = append(out, items[start:end])
		start = end
	}
	return out
}
