package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/zksim/zksim/protocol/wire"
)

// maxFrame bounds one server frame, as jute.maxbuffer does (4 MiB plus slack).
const maxFrame = 4<<20 + 1024

// tapXidBase starts the xids of the tap's own requests far above go-zk's, which
// count up from 1, so the two never collide on one connection.
const tapXidBase = 1 << 30

var errTapNotConnected = errors.New("zkcli: not connected")

// tap sits under go-zookeeper's connection (it is its Dialer) and lets the
// shell send requests that client has no method for, on the same connection
// and so in the same session. Replies to those requests are taken out of the
// byte stream before go-zk reads it; everything else passes through unchanged.
// Every watch notification is also shown to onNotify.
type tap struct {
	timeout  time.Duration
	onNotify func(wire.WatcherEvent)

	mu      sync.Mutex
	current *tapConn
	nextXid int32
}

type tapReply struct {
	hdr  wire.ReplyHeader
	resp wire.Response
	err  error
}

type tapWaiter struct {
	op wire.OpCode
	ch chan tapReply
}

// tapConn is one TCP connection go-zk dialled.
type tapConn struct {
	net.Conn
	t *tap

	writeMu sync.Mutex // one frame at a time, go-zk's or the tap's

	mu         sync.Mutex
	handshaken bool
	waiters    map[int32]tapWaiter
	closed     error

	in  []byte // bytes read from the socket, not yet framed (reader only)
	out []byte // frames ready for go-zk (reader only)
}

func newTap(timeout time.Duration, onNotify func(wire.WatcherEvent)) *tap {
	return &tap{timeout: timeout, onNotify: onNotify, nextXid: tapXidBase}
}

// dial is the zk.Dialer.
func (t *tap) dial(network, address string, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	c, err := d.DialContext(context.Background(), network, address)
	if err != nil {
		return nil, err
	}
	tc := &tapConn{Conn: c, t: t, waiters: map[int32]tapWaiter{}}
	t.mu.Lock()
	t.current = tc
	t.mu.Unlock()
	return tc, nil
}

func (c *tapConn) Write(p []byte) (int, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return c.Conn.Write(p)
}

func (c *tapConn) Read(p []byte) (int, error) {
	for len(c.out) == 0 {
		if err := c.fill(); err != nil {
			c.fail(err)
			return 0, err
		}
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	if len(c.out) == 0 {
		c.out = nil
	}
	return n, nil
}

// fill reads from the socket and sorts whole frames: the tap's replies go to
// their waiters, the rest to out.
func (c *tapConn) fill() error {
	var buf [32 << 10]byte
	n, err := c.Conn.Read(buf[:])
	c.in = append(c.in, buf[:n]...)
	for {
		payload, size, perr := wire.ParseFrame(c.in, maxFrame)
		if perr != nil {
			return fmt.Errorf("zkcli: bad frame from server: %w", perr)
		}
		if size == 0 {
			break
		}
		frame := c.in[:size]
		if c.route(payload) {
			c.out = append(c.out, frame...)
		}
		c.in = c.in[size:]
	}
	if len(c.in) == 0 {
		c.in = nil
	}
	if n > 0 {
		return nil
	}
	return err
}

// route handles one server payload and reports whether go-zk should see it.
func (c *tapConn) route(payload []byte) bool {
	c.mu.Lock()
	if !c.handshaken {
		c.handshaken = true // the first frame is the ConnectResponse
		c.mu.Unlock()
		return true
	}
	hdr, err := wire.DecodeReplyHeader(payload)
	if err != nil {
		c.mu.Unlock()
		return true
	}
	w, mine := c.waiters[hdr.Xid]
	if mine {
		delete(c.waiters, hdr.Xid)
	}
	c.mu.Unlock()
	switch {
	case mine:
		h, resp, derr := wire.DecodeReply(payload, w.op)
		w.ch <- tapReply{hdr: h, resp: resp, err: derr}
		return false
	case hdr.Xid == -1 && c.t.onNotify != nil:
		if _, resp, derr := wire.DecodeReply(payload, 0); derr == nil {
			if ev, ok := resp.(*wire.WatcherEvent); ok {
				c.t.onNotify(*ev)
			}
		}
	}
	return true
}

func (c *tapConn) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed == nil {
		c.closed = err
	}
	for xid, w := range c.waiters {
		w.ch <- tapReply{err: err}
		delete(c.waiters, xid)
	}
}

// call sends req in the current session and waits for its reply. A server
// error comes back as a *keeperError without a path.
func (t *tap) call(req wire.Request) (wire.Response, error) {
	t.mu.Lock()
	c := t.current
	xid := t.nextXid
	t.nextXid++
	t.mu.Unlock()
	if c == nil {
		return nil, errTapNotConnected
	}
	ch := make(chan tapReply, 1)
	c.mu.Lock()
	if !c.handshaken || c.closed != nil {
		c.mu.Unlock()
		return nil, &keeperError{code: wire.ErrConnectionLoss}
	}
	c.waiters[xid] = tapWaiter{op: req.OpCode(), ch: ch}
	c.mu.Unlock()
	if _, err := c.Write(wire.EncodeRequest(xid, req)); err != nil {
		c.fail(err)
	}
	timer := time.NewTimer(t.timeout)
	defer timer.Stop()
	select {
	case r := <-ch:
		switch {
		case r.err != nil && r.hdr.Xid == 0:
			return nil, &keeperError{code: wire.ErrConnectionLoss}
		case r.hdr.Err != wire.ErrOK:
			return nil, &keeperError{code: r.hdr.Err}
		case r.err != nil:
			return nil, fmt.Errorf("zkcli: decode reply: %w", r.err)
		}
		return r.resp, nil
	case <-timer.C:
		c.mu.Lock()
		delete(c.waiters, xid)
		c.mu.Unlock()
		return nil, &keeperError{code: wire.ErrConnectionLoss}
	}
}
