package nemesis

import (
	"fmt"
	"slices"
	"sync"
)

// Shrink looks for a smallest schedule that still fails, by delta debugging (ddmin)
// over the removable faults; the final heal-all and liveness marker always stay. fails
// must report whether a schedule still shows the failure, and s must fail. The result
// is 1-minimal: removing any one more fault makes it pass. fails is called at most
// once per distinct subset. Shrink keeps whatever fails says fails, so fails decides
// what failure is kept (zksim shrink accepts only the original properties).
func Shrink(s Schedule, fails func(Schedule) bool) Schedule {
	return ShrinkParallel(s, fails, 1)
}

// ShrinkParallel is Shrink with up to workers calls of fails at once, so fails must
// be safe for concurrent use. Each step of ddmin tries its candidate subsets in order
// and takes the first that fails; here a window of workers candidates runs together
// and the first failing one in order is taken, so the result is exactly Shrink's
// whatever the number of workers (the window's later candidates are speculative work).
func ShrinkParallel(s Schedule, fails func(Schedule) bool, workers int) Schedule {
	workers = max(workers, 1)
	tried := map[string]bool{}
	// firstFailing returns the index of the first candidate that fails, or -1.
	firstFailing := func(cands [][]int) int {
		for lo := 0; lo < len(cands); lo += workers {
			window := cands[lo:min(lo+workers, len(cands))]
			results := make([]bool, len(window))
			keys := make([]string, len(window))
			var wg sync.WaitGroup
			for i, items := range window {
				keys[i] = fmt.Sprint(items)
				if v, ok := tried[keys[i]]; ok {
					results[i] = v
					continue
				}
				wg.Go(func() { results[i] = fails(s.Keep(items)) })
			}
			wg.Wait()
			for i, key := range keys {
				tried[key] = results[i]
			}
			if i := slices.Index(results, true); i >= 0 {
				return lo + i
			}
		}
		return -1
	}
	items := s.Removable()
	tried[fmt.Sprint(items)] = true
	n := 2
	for len(items) >= 2 {
		chunks := split(items, n)
		reduced := false
		if i := firstFailing(chunks); i >= 0 {
			items, n, reduced = chunks[i], 2, true
		}
		if !reduced && n > 2 {
			rests := make([][]int, len(chunks))
			for i := range chunks {
				rests[i] = slices.Concat(slices.Concat(chunks[:i]...), slices.Concat(chunks[i+1:]...))
			}
			if i := firstFailing(rests); i >= 0 {
				items, n, reduced = rests[i], max(n-1, 2), true
			}
		}
		if !reduced {
			if n >= len(items) {
				break
			}
			n = min(2*n, len(items))
		}
	}
	if len(items) == 1 && firstFailing([][]int{nil}) == 0 {
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
