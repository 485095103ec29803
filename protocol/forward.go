package protocol

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/zksim/zksim/protocol/wire"
)

// ErrBadIntent reports a forwarded request the leader cannot read.
var ErrBadIntent = errors.New("protocol: malformed forwarded request")

type intentKind uint8

const (
	intentRequest       intentKind = iota + 1 // a client write: request holds its payload
	intentCreateSession                       // a new session with timeout
	intentCloseSession                        // the client closes its session
	intentError                               // a write that failed its checks on the learner: an error txn with code
	intentSync                                // a sync: answered by a SYNC packet
)

// intent is a client's write as a learner forwards it to the leader (the data of a
// REQUEST packet after the session id): what to prepare, the cxid that matches the
// committed transaction to the waiting client, and the identities it runs with.
//
//	kind u8 | cxid i32 | code i32 | timeout i32 | ids count i32, each scheme and id as
//	(i32 length, bytes) | the client's request payload (header and body), to the end
type intent struct {
	kind    intentKind
	cxid    int32
	code    wire.ErrCode
	timeout int32
	ids     []wire.Id
	request []byte
}

func (in intent) marshal() []byte {
	b := make([]byte, 0, 17+len(in.request))
	b = append(b, byte(in.kind))
	b = binary.BigEndian.AppendUint32(b, uint32(in.cxid))
	b = binary.BigEndian.AppendUint32(b, uint32(in.code))
	b = binary.BigEndian.AppendUint32(b, uint32(in.timeout))
	b = binary.BigEndian.AppendUint32(b, uint32(len(in.ids)))
	for _, id := range in.ids {
		b = appendString(b, id.Scheme)
		b = appendString(b, id.ID)
	}
	return append(b, in.request...)
}

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

func unmarshalIntent(b []byte) (intent, error) {
	if len(b) < 17 {
		return intent{}, fmt.Errorf("%w: %d bytes", ErrBadIntent, len(b))
	}
	in := intent{
		kind:    intentKind(b[0]),
		cxid:    int32(binary.BigEndian.Uint32(b[1:])),
		code:    wire.ErrCode(int32(binary.BigEndian.Uint32(b[5:]))),
		timeout: int32(binary.BigEndian.Uint32(b[9:])),
	}
	if in.kind < intentRequest || in.kind > intentSync {
		return intent{}, fmt.Errorf("%w: kind %d", ErrBadIntent, in.kind)
	}
	n := binary.BigEndian.Uint32(b[13:])
	b = b[17:]
	if uint64(n) > uint64(len(b))/8 {
		return intent{}, fmt.Errorf("%w: %d ids in %d bytes", ErrBadIntent, n, len(b))
	}
	for range n {
		var id wire.Id
		var ok bool
		if id.Scheme, b, ok = readString(b); !ok {
			return intent{}, fmt.Errorf("%w: short id", ErrBadIntent)
		}
		if id.ID, b, ok = readString(b); !ok {
			return intent{}, fmt.Errorf("%w: short id", ErrBadIntent)
		}
		in.ids = append(in.ids, id)
	}
	in.request = b
	return in, nil
}

func readString(b []byte) (string, []byte, bool) {
	if len(b) < 4 {
		return "", nil, false
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return "", nil, false
	}
	return string(b[4 : 4+n]), b[4+n:], true
}
