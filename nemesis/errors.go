package nemesis

import "errors"

// Errors returned by parsing, validation, generation and application. They are wrapped
// with the offending line, field or node; test for them with errors.Is.
var (
	ErrUnknownKind       = errors.New("nemesis: unknown fault kind")
	ErrUnknownSelector   = errors.New("nemesis: unknown node selector")
	ErrUnknownCrashPoint = errors.New("nemesis: unknown crash point")
	ErrSyntax            = errors.New("nemesis: syntax error")
	ErrBadParam          = errors.New("nemesis: bad fault parameter")
	ErrNodeRange         = errors.New("nemesis: node out of range")
	ErrBadSchedule       = errors.New("nemesis: bad schedule")
	ErrBadMix            = errors.New("nemesis: bad mix")
	ErrBadShape          = errors.New("nemesis: bad cluster shape")
	// ErrNoTarget means a selector resolved to no node (no leader, nobody up): the
	// fault is skipped, which is not a failure of the run.
	ErrNoTarget = errors.New("nemesis: selector matched no node")
)
