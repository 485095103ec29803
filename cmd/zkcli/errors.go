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

// codeMessage is KeeperException.getCodeMessage.
func codeMessage(code wire.ErrCode) string {
	switch code {
	case wire.ErrOK:
		return "ok"
	case wire.ErrSystemError:
		return "SystemError"
	case wire.ErrRuntimeInconsistency:
		return "RuntimeInconsistency"
	case wire.ErrDataInconsistency:
		return "DataInconsistency"
	case wire.ErrConnectionLoss:
		return "ConnectionLoss"
	case wire.ErrMarshallingError:
		return "MarshallingError"
	case wire.ErrUnimplemented:
		return "Unimplemented"
	case wire.ErrOperationTimeout:
		return "OperationTimeout"
	case wire.ErrBadArguments:
		return "BadArguments"
	case wire.ErrUnknownSession:
		return "Unknown session"
	case wire.ErrNewConfigNoQuorum:
		return "NewConfigNoQuorum"
	case wire.ErrReconfigInProgress:
		return "ReconfigInProgress"
	case wire.ErrAPIError:
		return "APIError"
	case wire.ErrNoNode:
		return "NoNode"
	case wire.ErrNoAuth:
		return "NoAuth"
	case wire.ErrBadVersion:
		return "BadVersion"
	case wire.ErrNoChildrenForEphemerals:
		return "NoChildrenForEphemerals"
	case wire.ErrNodeExists:
		return "NodeExists"
	case wire.ErrNotEmpty:
		return "Directory not empty"
	case wire.ErrSessionExpired:
		return "Session expired"
	case wire.ErrInvalidCallback:
		return "Invalid callback"
	case wire.ErrInvalidACL:
		return "InvalidACL"
	case wire.ErrAuthFailed:
		return "AuthFailed"
	case wire.ErrSessionMoved:
		return "Session moved"
	case wire.ErrNotReadOnly:
		return "Not a read-only call"
	case wire.ErrEphemeralOnLocalSession:
		return "Ephemeral node on local session"
	case wire.ErrNoWatcher:
		return "No such watcher"
	case wire.ErrRequestTimeout:
		return "Request timeout"
	case wire.ErrReconfigDisabled:
		return "Reconfig is disabled"
	case wire.ErrSessionClosedRequireSASLAuth:
		return "Session closed because client failed to authenticate"
	case wire.ErrQuotaExceeded:
		return "Quota has exceeded"
	case wire.ErrThrottledOp:
		return "Op throttled due to high load"
	}
	return fmt.Sprintf("Unknown error %d", int32(code))
}
