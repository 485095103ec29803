package storage

import (
	"maps"
	"slices"
)

// MemFiles is a FileSet held in memory: what a simulated disk exposes after a crash, and
// what tests build. Apply carries out repairs the way a host would.
type MemFiles map[string][]byte

// List returns the names in sorted order.
func (m MemFiles) List() []string { return slices.Sorted(maps.Keys(m)) }

// Read returns the file's bytes, which the caller must not modify.
func (m MemFiles) Read(name string) ([]byte, error) {
	b, ok := m[name]
	if !ok {
		return nil, errorOf(ErrRead, name, ": no such file")
	}
	return b, nil
}

// Apply carries out repairs in order.
func (m MemFiles) Apply(repairs []Repair) error {
	for _, r := range repairs {
		switch r.Kind {
		case RepairTruncate:
			b, ok := m[r.Name]
			if !ok || r.Offset < 0 || r.Offset > int64(len(b)) {
				return errorOf(ErrInvalid, "cannot ", r.String())
			}
			m[r.Name] = b[:r.Offset:r.Offset]
		case RepairDelete:
			delete(m, r.Name)
		case RepairWrite:
			m[r.Name] = slices.Clone(r.Data)
		default:
			return errorOf(ErrInvalid, "unknown repair ", r.String())
		}
	}
	return nil
}
