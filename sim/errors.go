package sim

import "errors"

// Errors returned by the world, its network and its disks. Callers test for them with
// errors.Is; most are wrapped with the offending id or name.
var (
	ErrInvalidOptions  = errors.New("sim: invalid options")
	ErrUnknownNode     = errors.New("sim: unknown node")
	ErrNodeState       = errors.New("sim: node is not in the required state")
	ErrUnknownConn     = errors.New("sim: unknown connection")
	ErrNotConnected    = errors.New("sim: connection not established yet")
	ErrConnClosed      = errors.New("sim: connection closed")
	ErrRefused         = errors.New("sim: connection refused")
	ErrDialTimeout     = errors.New("sim: dial timed out")
	ErrReset           = errors.New("sim: connection reset")
	ErrPeerClosed      = errors.New("sim: connection closed by peer")
	ErrQueueFull       = errors.New("sim: send queue full")
	ErrStale           = errors.New("sim: process incarnation is gone")
	ErrFileNotFound    = errors.New("sim: file not found")
	ErrBadFileName     = errors.New("sim: bad file name")
	ErrSyncFailed      = errors.New("sim: sync failed")
	ErrEmptyFile       = errors.New("sim: file is empty")
	ErrBudgetExhausted = errors.New("sim: event budget exhausted")
)
