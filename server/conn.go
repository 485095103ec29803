package server

import (
	"encoding/binary"
	"net"
	"time"

	"github.com/zksim/zksim/protocol"
)

// clientConn is one accepted TCP connection. The reader and writer goroutines use
// nc and out; everything else belongs to the owner goroutine.
type clientConn struct {
	id     protocol.ConnID
	nc     net.Conn
	remote string // ip:port
	ip     string
	out    chan protocol.Output
	dead   bool // closing: drop further output

	fourLetter  bool
	handshook   bool
	session     int64
	timeout     int32
	established time.Time

	recved, sent uint64
	lastRecv     time.Time
	lastOp       string
	lastCxid     int32
	lastZxid     int64
	lastResp     time.Time
	lat          latency
	pending      map[int32]pendingReq
}

type pendingReq struct {
	at time.Time
	op int32
}

// latency keeps min, max and mean in ms, as ServerStats and ServerCnxn do.
type latency struct {
	count, total, min, max, last int64
}

func (l *latency) add(ms int64) {
	if l.count == 0 || ms < l.min {
		l.min = ms
	}
	if ms > l.max {
		l.max = ms
	}
	l.count++
	l.total += ms
	l.last = ms
}

func (l *latency) avg() float64 {
	if l.count == 0 {
		return 0
	}
	return float64(l.total) / float64(l.count)
}

// serverStats are the counters srvr, stat and mntr print.
type serverStats struct {
	received, sent   uint64
	bytesReceived    uint64
	lat              latency
	responseSizes    latency
	fsync, snapshots latency
	batch            latency
	proposals        latency // sizes of the transactions this server logged as leader
}

// connectOp marks the pending ConnectRequest, which has no xid.
const connectOp = -1000

// noteRequest records a request's arrival, to measure its latency when the reply goes.
func (c *clientConn) noteRequest(payload []byte, now time.Time) {
	c.recved++
	c.lastRecv = now
	if !c.handshook {
		c.pending[connectOp] = pendingReq{at: now, op: connectOp}
		return
	}
	if len(payload) < 8 {
		return
	}
	xid := int32(binary.BigEndian.Uint32(payload))
	op := int32(binary.BigEndian.Uint32(payload[4:]))
	c.pending[xid] = pendingReq{at: now, op: op}
}

// noteReply updates the connection's and the server's statistics for a frame going
// out. The first frame of a connection is the ConnectResponse, which names the session.
func (c *clientConn) noteReply(frame []byte, now time.Time, st *serverStats) {
	c.sent++
	st.responseSizes.add(int64(len(frame)))
	if len(frame) < 16 {
		return
	}
	payload := frame[4:]
	if !c.handshook {
		c.handshook = true
		c.timeout = int32(binary.BigEndian.Uint32(payload[4:]))
		c.session = int64(binary.BigEndian.Uint64(payload[8:]))
		c.finish(c.pending[connectOp], connectOp, c.lastZxid, now, st)
		delete(c.pending, connectOp)
		return
	}
	xid := int32(binary.BigEndian.Uint32(payload))
	p, ok := c.pending[xid]
	if !ok {
		return // a notification, or a reply the host did not see asked
	}
	delete(c.pending, xid)
	c.lastCxid = xid
	c.finish(p, p.op, int64(binary.BigEndian.Uint64(payload[4:])), now, st)
}

func (c *clientConn) finish(p pendingReq, op int32, zxid int64, now time.Time, st *serverStats) {
	ms := now.Sub(p.at).Milliseconds()
	if p.at.IsZero() {
		ms = 0
	}
	c.lastOp = opShortName(op)
	c.lastZxid = zxid
	c.lastResp = now
	c.lat.add(ms)
	st.lat.add(ms)
}

// opShortName is the lop= value of cons (FinalRequestProcessor's lastOp).
func opShortName(op int32) string {
	switch op {
	case connectOp:
		return "SESS"
	case 0:
		return "NOTI"
	case 1, 15, 19, 21:
		return "CREA"
	case 2, 20:
		return "DELE"
	case 3:
		return "EXIS"
	case 4:
		return "GETD"
	case 5:
		return "SETD"
	case 6:
		return "GETA"
	case 7:
		return "SETA"
	case 8, 12:
		return "GETC"
	case 9:
		return "SYNC"
	case 11:
		return "PING"
	case 13:
		return "CHEC"
	case 14:
		return "MULT"
	case 16:
		return "RECO"
	case 17:
		return "CHKW"
	case 18:
		return "REMW"
	case 22:
		return "MLTR"
	case 100:
		return "AUTH"
	case 101, 105:
		return "SETW"
	case 103:
		return "GETE"
	case 104:
		return "GETN"
	case 106:
		return "ADDW"
	case 107:
		return "HOMI"
	case -11:
		return "CLOS"
	}
	return "NA"
}
