package election

import (
	"encoding/binary"
	"errors"
	"strconv"
)

// State is a server's ServerState; its ordinal goes on the wire.
type State int32

// Server states, numbered as ZooKeeper's ServerState ordinals.
const (
	Looking   State = 0
	Following State = 1
	Leading   State = 2
	Observing State = 3
)

func (s State) String() string {
	switch s {
	case Looking:
		return "LOOKING"
	case Following:
		return "FOLLOWING"
	case Leading:
		return "LEADING"
	case Observing:
		return "OBSERVING"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// NotificationVersion is the version this package writes (FastLeaderElection.buildMsg).
const NotificationVersion int32 = 0x2

// maxConfigLength bounds the config text in a notification, like the election
// transport's 512 KiB frame limit.
const maxConfigLength = 512 << 10

// Errors returned by UnmarshalNotification.
var (
	ErrShortNotification = errors.New("election: notification too short")
	ErrBadNotification   = errors.New("election: malformed notification")
)

// Notification is one election message: the sender's state and the vote it currently
// proposes.
type Notification struct {
	State         State
	Leader        int64 // proposed leader's server id
	Zxid          int64 // proposed leader's last logged zxid
	ElectionEpoch int64 // sender's logical clock (election round)
	PeerEpoch     int64 // proposed leader's currentEpoch
	Version       int32
	Config        []byte // sender's quorum configuration text; may be empty
}

// Vote is the part of a notification that can win.
func (n Notification) Vote() Vote {
	return Vote{Leader: n.Leader, Zxid: n.Zxid, ElectionEpoch: n.ElectionEpoch, PeerEpoch: n.PeerEpoch, State: n.State}
}

// Marshal encodes n in the version-2 layout: state, leader, zxid, electionEpoch,
// peerEpoch, version, config length and config bytes, big-endian.
func (n Notification) Marshal() []byte {
	b := make([]byte, 0, 44+len(n.Config))
	b = binary.BigEndian.AppendUint32(b, uint32(n.State))
	b = binary.BigEndian.AppendUint64(b, uint64(n.Leader))
	b = binary.BigEndian.AppendUint64(b, uint64(n.Zxid))
	b = binary.BigEndian.AppendUint64(b, uint64(n.ElectionEpoch))
	b = binary.BigEndian.AppendUint64(b, uint64(n.PeerEpoch))
	b = binary.BigEndian.AppendUint32(b, uint32(NotificationVersion))
	b = binary.BigEndian.AppendUint32(b, uint32(len(n.Config)))
	return append(b, n.Config...)
}

// UnmarshalNotification decodes one notification frame. Like ZooKeeper it also accepts
// the older 28-byte layout (no peerEpoch: it is taken from the zxid) and the 40-byte
// layout (no version).
func UnmarshalNotification(b []byte) (Notification, error) {
	if len(b) < 28 {
		return Notification{}, detail(ErrShortNotification, strconv.Itoa(len(b))+" bytes")
	}
	n := Notification{
		State:         State(int32(binary.BigEndian.Uint32(b[0:]))),
		Leader:        int64(binary.BigEndian.Uint64(b[4:])),
		Zxid:          int64(binary.BigEndian.Uint64(b[12:])),
		ElectionEpoch: int64(binary.BigEndian.Uint64(b[20:])),
	}
	if n.State < Looking || n.State > Observing {
		return Notification{}, detail(ErrBadNotification, "state "+strconv.Itoa(int(n.State)))
	}
	switch {
	case len(b) == 28:
		n.PeerEpoch = n.Zxid >> 32
		return n, nil
	case len(b) == 40:
		n.PeerEpoch = int64(binary.BigEndian.Uint64(b[28:]))
		return n, nil
	case len(b) < 44:
		return Notification{}, detail(ErrShortNotification, strconv.Itoa(len(b))+" bytes")
	}
	n.PeerEpoch = int64(binary.BigEndian.Uint64(b[28:]))
	n.Version = int32(binary.BigEndian.Uint32(b[36:]))
	if n.Version <= 1 {
		return n, nil
	}
	size := int64(int32(binary.BigEndian.Uint32(b[40:])))
	if size < 0 || size > maxConfigLength || size != int64(len(b)-44) {
		return Notification{}, detail(ErrBadNotification, "config length "+strconv.FormatInt(size, 10)+" with "+strconv.Itoa(len(b)-44)+" bytes left")
	}
	if size > 0 {
		n.Config = append([]byte(nil), b[44:]...)
	}
	return n, nil
}

// detailedError adds context to a sentinel without fmt (which would pull in os).
type detailedError struct {
	err error
	msg string
}

func detail(err error, msg string) error { return &detailedError{err, msg} }

func (e *detailedError) Error() string { return e.err.Error() + ": " + e.msg }
func (e *detailedError) Unwrap() error { return e.err }
