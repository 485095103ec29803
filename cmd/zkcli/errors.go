package main

import (
	"errors"
	"fmt"

	"github.com/go-zookeeper/zk"

	"github.com/zksim/zksim/protocol/wire"
)

// errFailed is what run returns when a command failed: its message has already
// been written to stderr as zkCli words it, so main only sets the exit status.
var errFailed = errors.New("zkcli: command failed")

// errNotSupported marks an operation this shell cannot perform.
var errNotSupported = errors.New("not supported by this client")

// cliError is a failure whose text is printed as is, like zkCli's CliException.
type cliError struct{ msg string }

func (e *cliError) Error() string { return e.msg }

func errMalformed(msg string) error { return &cliError{msg: msg} }

// keeperError is a server error code for a path, as KeeperException carries.
type keeperError struct {
	code wire.ErrCode
	path string
}

func (e *keeperError) Error() string { return keeperMessage(e.code, e.path) }

// goZKCodes maps go-zookeeper's error values back to the server codes.
var goZKCodes = []struct {
	err  error
	code wire.ErrCode
}{
	{zk.ErrConnectionClosed, wire.ErrConnectionLoss},
	{zk.ErrAPIError, wire.ErrAPIError},
	{zk.ErrNoNode, wire.ErrNoNode},
	{zk.ErrNoAuth, wire.ErrNoAuth},
	{zk.ErrBadVersion, wire.ErrBadVersion},
	{zk.ErrNoChildrenForEphemerals, wire.ErrNoChildrenForEphemerals},
	{zk.ErrNodeExists, wire.ErrNodeExists},
	{zk.ErrNotEmpty, wire.ErrNotEmpty},
	{zk.ErrSessionExpired, wire.ErrSessionExpired},
	{zk.ErrInvalidACL, wire.ErrInvalidACL},
	{zk.ErrAuthFailed, wire.ErrAuthFailed},
	{zk.ErrSessionMoved, wire.ErrSessionMoved},
	{zk.ErrReconfigDisabled, wire.ErrReconfigDisabled},
	{zk.ErrBadArguments, wire.ErrBadArguments},
	{zk.ErrClosing, wire.ErrSessionExpired},
	{zk.ErrNoServer, wire.ErrConnectionLoss},
}

// keeperErr turns a client error for path into the error zkCli would print.
func keeperErr(err error, path string) error {
	if err == nil {
		return nil
	}
	var ke *keeperError
	if errors.As(err, &ke) {
		if ke.path == "" {
			return &keeperError{code: ke.code, path: path}
		}
		return ke
	}
	var ce *cliError
	if errors.As(err, &ce) {
		return ce
	}
	for _, m := range goZKCodes {
		if errors.Is(err, m.err) {
			return &keeperError{code: m.code, path: path}
		}
	}
	return &cliError{msg: err.Error()}
}

// keeperMessage is CliWrapperException's text for a KeeperException.
func keeperMessage(code wire.ErrCode, path string) string {
	switch code {
	case wire.ErrNoNode:
		return "Node does not exist: " + path
	case wire.ErrNoChildrenForEphemerals:
		return "Ephemerals cannot have children: " + path
	case wire.ErrNodeExists:
		return "Node already exists: " + path
	case wire.ErrNotEmpty:
		return "Node not empty: " + path
	case wire.ErrNotReadOnly:
		return "Not a read-only call: " + path
	case wire.ErrInvalidACL:
		return "Acl is not valid : " + path
	case wire.ErrNoAuth:
		return "Insufficient permission : " + path
	case wire.ErrBadArguments:
		return "Arguments are not valid : " + path
	case wire.ErrBadVersion:
		return "version No is not valid : " + path
	case wire.ErrQuotaExceeded:
		return "Quota has exceeded : " + path
	}
	msg := "KeeperErrorCode = " + codeMessage(code)
	if path != "" {
		msg += " for " + path
	}
	return msg
}

// codeMessages are KeeperException.getCodeMessage's texts.
var codeMessages = map[wire.ErrCode]string{
	wire.ErrOK:                           "ok",
	wire.ErrSystemError:                  "SystemError",
	wire.ErrRuntimeInconsistency:         "RuntimeInconsistency",
	wire.ErrDataInconsistency:            "DataInconsistency",
	wire.ErrConnectionLoss:               "ConnectionLoss",
	wire.ErrMarshallingError:             "MarshallingError",
	wire.ErrUnimplemented:                "Unimplemented",
	wire.ErrOperationTimeout:             "OperationTimeout",
	wire.ErrBadArguments:                 "BadArguments",
	wire.ErrUnknownSession:               "Unknown session",
	wire.ErrNewConfigNoQuorum:            "NewConfigNoQuorum",
	wire.ErrReconfigInProgress:           "ReconfigInProgress",
	wire.ErrAPIError:                     "APIError",
	wire.ErrNoNode:                       "NoNode",
	wire.ErrNoAuth:                       "NoAuth",
	wire.ErrBadVersion:                   "BadVersion",
	wire.ErrNoChildrenForEphemerals:      "NoChildrenForEphemerals",
	wire.ErrNodeExists:                   "NodeExists",
	wire.ErrNotEmpty:                     "Directory not empty",
	wire.ErrSessionExpired:               "Session expired",
	wire.ErrInvalidCallback:              "Invalid callback",
	wire.ErrInvalidACL:                   "InvalidACL",
	wire.ErrAuthFailed:                   "AuthFailed",
	wire.ErrSessionMoved:                 "Session moved",
	wire.ErrNotReadOnly:                  "Not a read-only call",
	wire.ErrEphemeralOnLocalSession:      "Ephemeral node on local session",
	wire.ErrNoWatcher:                    "No such watcher",
	wire.ErrRequestTimeout:               "Request timeout",
	wire.ErrReconfigDisabled:             "Reconfig is disabled",
	wire.ErrSessionClosedRequireSASLAuth: "Session closed because client failed to authenticate",
	wire.ErrQuotaExceeded:                "Quota has exceeded",
	wire.ErrThrottledOp:                  "Op throttled due to high load",
}

func codeMessage(code wire.ErrCode) string {
	if m, ok := codeMessages[code]; ok {
		return m
	}
	return fmt.Sprintf("Unknown error %d", int32(code))
}
