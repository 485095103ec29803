package bugs

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrUnknown is returned by Parse for a name that is not in the catalog.
var ErrUnknown = errors.New("bugs: unknown bug")

// Set is a small sorted set of bug names. The zero value enables no bug.
type Set struct {
	names []string // sorted, no duplicates
}

// Has reports whether the bug called name is enabled.
func (s Set) Has(name string) bool {
	for _, n := range s.names {
		if n == name {
			return true
		}
	}
	return false
}

// Empty reports whether no bug is enabled.
func (s Set) Empty() bool { return len(s.names) == 0 }

// Names returns the enabled bugs in sorted order.
func (s Set) Names() []string { return slices.Clone(s.names) }

// String is the comma-separated list that Parse reads.
func (s Set) String() string { return strings.Join(s.names, ",") }

// New returns the set of the named bugs; every name must be in the catalog.
func New(names ...string) (Set, error) {
	var s Set
	for _, n := range names {
		if !slices.ContainsFunc(catalog, func(b Bug) bool { return b.Name == n }) {
			return Set{}, fmt.Errorf("%w %q (known: %s)", ErrUnknown, n, strings.Join(known(), ", "))
		}
		if i, found := slices.BinarySearch(s.names, n); !found {
			s.names = slices.Insert(s.names, i, n)
		}
	}
	return s, nil
}

// Parse reads a comma-separated list of bug names ("ZOOKEEPER-1154,ZOOKEEPER-3911").
// Blanks around names are ignored; an empty string is the empty set.
func Parse(list string) (Set, error) {
	var names []string
	for _, f := range strings.Split(list, ",") {
		if f = strings.TrimSpace(f); f != "" {
			names = append(names, f)
		}
	}
	return New(names...)
}

func known() []string {
	var ns []string
	for _, b := range catalog {
		ns = append(ns, b.Name)
	}
	slices.Sort(ns)
	return ns
}
