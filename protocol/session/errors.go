package session

// detailError adds context to a sentinel error without fmt, which the pure core may
// not import (it reaches os).
type detailError struct {
	err    error
	detail string
}

func (e *detailError) Error() string { return e.detail + ": " + e.err.Error() }
func (e *detailError) Unwrap() error { return e.err }

func wrap(err error, detail string) error { return &detailError{err: err, detail: detail} }
