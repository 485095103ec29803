package config

import (
	"errors"
	"fmt"
	"strconv"
)

var (
	// ErrInvalid is what every *Error wraps.
	ErrInvalid = errors.New("config: invalid configuration")

	errMalformedUnicode = errors.New(`malformed \uxxxx encoding`)
)

// Error is a configuration value ZooKeeper would refuse. Line is 0 when the problem is
// not on one line (a required key is missing, say).
type Error struct {
	File   string
	Line   int
	Key    string
	Reason string
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	if e.Key != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Key, e.Reason)
	}
	return fmt.Sprintf("%s: %s", loc, e.Reason)
}

func (e *Error) Unwrap() error { return ErrInvalid }

// Warning is something worth telling the operator that does not stop the server: an
// unknown key, a key accepted but ignored, a value ZooKeeper would have adjusted.
type Warning struct {
	File    string
	Line    int
	Key     string
	Message string
}

func (w Warning) String() string {
	return (&Error{File: w.File, Line: w.Line, Key: w.Key, Reason: w.Message}).Error()
}
