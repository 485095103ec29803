package zab

import (
	"encoding/binary"
	"errors"
	"strconv"
)

// PacketType is a QuorumPacket type (Leader.java constants).
type PacketType int32

// Quorum packet types, numbered as in Apache ZooKeeper.
const (
	TypeRequest           PacketType = 1
	TypeProposal          PacketType = 2
	TypeAck               PacketType = 3
	TypeCommit            PacketType = 4
	TypePing              PacketType = 5
	TypeRevalidate        PacketType = 6
	TypeSync              PacketType = 7
	TypeInform            PacketType = 8
	TypeCommitAndActivate PacketType = 9
	TypeNewLeader         PacketType = 10
	TypeFollowerInfo      PacketType = 11
	TypeUpToDate          PacketType = 12
	TypeDiff              PacketType = 13
	TypeTrunc             PacketType = 14
	TypeSnap              PacketType = 15
	TypeObserverInfo      PacketType = 16
	TypeLeaderInfo        PacketType = 17
	TypeAckEpoch          PacketType = 18
	TypeInformAndActivate PacketType = 19
)

var typeNames = [...]string{"", "REQUEST", "PROPOSAL", "ACK", "COMMIT", "PING", "REVALIDATE", "SYNC", "INFORM",
	"COMMITANDACTIVATE", "NEWLEADER", "FOLLOWERINFO", "UPTODATE", "DIFF", "TRUNC", "SNAP", "OBSERVERINFO",
	"LEADERINFO", "ACKEPOCH", "INFORMANDACTIVATE"}

func (t PacketType) String() string {
	if t >= TypeRequest && t <= TypeInformAndActivate {
		return typeNames[t]
	}
	return "PacketType(" + strconv.Itoa(int(t)) + ")"
}

// ProtocolVersion is the learner protocol version sent in LearnerInfo and LEADERINFO.
const ProtocolVersion int32 = 0x10000

// Decoding errors.
var (
	ErrShortPacket = errors.New("zab: short packet")
	ErrBadPacket   = errors.New("zab: malformed packet")
)

// ID is a jute Id {ustring scheme; ustring id}, an authenticated identity.
type ID struct {
	Scheme string
	ID     string
}

// Packet is ZooKeeper's QuorumPacket {int type; long zxid; buffer data; vector<Id>
// authinfo}. A nil Data or AuthInfo is encoded as jute null (-1), an empty one as 0.
type Packet struct {
	Type     PacketType
	Zxid     int64
	Data     []byte
	AuthInfo []ID
}

// AppendTo appends the jute encoding of p (no outer length frame, as on the quorum port).
func (p Packet) AppendTo(b []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(p.Type))
	b = binary.BigEndian.AppendUint64(b, uint64(p.Zxid))
	b = appendBuffer(b, p.Data)
	if p.AuthInfo == nil {
		return binary.BigEndian.AppendUint32(b, 0xffffffff)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(p.AuthInfo)))
	for _, id := range p.AuthInfo {
		b = appendString(b, id.Scheme)
		b = appendString(b, id.ID)
	}
	return b
}

// Marshal returns the encoding of p.
func (p Packet) Marshal() []byte { return p.AppendTo(nil) }

// UnmarshalPacket decodes one packet from the front of b and returns it with the number
// of bytes it used; packets follow one another on the stream. A packet cut short returns
// ErrShortPacket (read more and retry); impossible lengths return ErrBadPacket.
func UnmarshalPacket(b []byte) (Packet, int, error) {
	r := reader{b: b}
	var p Packet
	p.Type = PacketType(r.int32())
	p.Zxid = r.int64()
	p.Data = r.buffer()
	if n := r.int32(); n >= 0 && r.err == nil {
		// Each Id takes at least 8 bytes, which bounds the allocation by the input.
		if int(n) > (len(r.b)-r.off)/8 {
			r.fail(ErrShortPacket, "authinfo count "+strconv.Itoa(int(n)))
		} else {
			p.AuthInfo = make([]ID, 0, n)
			for range n {
				p.AuthInfo = append(p.AuthInfo, ID{Scheme: r.string(), ID: r.string()})
			}
		}
	} else if n < -1 {
		r.fail(ErrBadPacket, "authinfo count "+strconv.Itoa(int(n)))
	}
	if r.err != nil {
		return Packet{}, 0, r.err
	}
	return p, r.off, nil
}

// LearnerInfo is the payload of FOLLOWERINFO and OBSERVERINFO.
type LearnerInfo struct {
	ServerID        int64
	ProtocolVersion int32
	ConfigVersion   int64
}

// Marshal encodes the record.
func (li LearnerInfo) Marshal() []byte {
	b := make([]byte, 0, 20)
	b = binary.BigEndian.AppendUint64(b, uint64(li.ServerID))
	b = binary.BigEndian.AppendUint32(b, uint32(li.ProtocolVersion))
	return binary.BigEndian.AppendUint64(b, uint64(li.ConfigVersion))
}

// UnmarshalLearnerInfo decodes the record. Like ZooKeeper it accepts the older forms
// that stop after the server id or after the protocol version.
func UnmarshalLearnerInfo(b []byte) (LearnerInfo, error) {
	r := reader{b: b}
	li := LearnerInfo{ServerID: r.int64()}
	if len(b) >= 12 {
		li.ProtocolVersion = r.int32()
	}
	if len(b) >= 20 {
		li.ConfigVersion = r.int64()
	}
	return li, r.err
}

func appendBuffer(b, data []byte) []byte {
	if data == nil {
		return binary.BigEndian.AppendUint32(b, 0xffffffff)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	return append(b, data...)
}

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

func appendInt64(b []byte, v int64) []byte { return binary.BigEndian.AppendUint64(b, uint64(v)) }

func appendInt32(b []byte, v int32) []byte { return binary.BigEndian.AppendUint32(b, uint32(v)) }

// reader decodes jute primitives, keeping the first error.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(kind error, msg string) {
	if r.err == nil {
		r.err = detail(kind, msg)
	}
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.b)-r.off {
		r.fail(ErrShortPacket, "need "+strconv.Itoa(n)+" bytes at offset "+strconv.Itoa(r.off))
		return nil
	}
	s := r.b[r.off : r.off+n]
	r.off += n
	return s
}

func (r *reader) int32() int32 {
	if s := r.take(4); s != nil {
		return int32(binary.BigEndian.Uint32(s))
	}
	return 0
}

func (r *reader) int64() int64 {
	if s := r.take(8); s != nil {
		return int64(binary.BigEndian.Uint64(s))
	}
	return 0
}

func (r *reader) buffer() []byte {
	n := r.int32()
	switch {
	case r.err != nil || n == -1:
		return nil
	case n < -1:
		r.fail(ErrBadPacket, "buffer length "+strconv.Itoa(int(n)))
		return nil
	}
	s := r.take(int(n))
	if s == nil {
		return nil
	}
	return append([]byte{}, s...)
}

func (r *reader) string() string {
	n := r.int32()
	if r.err != nil || n == -1 {
		return "" // jute null strings are not distinguished in authinfo
	}
	if n < -1 {
		r.fail(ErrBadPacket, "string length "+strconv.Itoa(int(n)))
		return ""
	}
	return string(r.take(int(n)))
}

// detailedError adds context to a sentinel without fmt (which would pull in os).
type detailedError struct {
	err error
	msg string
}

func detail(err error, msg string) error { return &detailedError{err, msg} }

func (e *detailedError) Error() string { return e.err.Error() + ": " + e.msg }
func (e *detailedError) Unwrap() error { return e.err }
