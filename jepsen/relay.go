package jepsen

import (
	"errors"
	"net"
	"sync"
	"time"
)

// Mode is what a relay does with the bytes of one direction.
type Mode uint8

// Relay modes, per direction.
const (
	// Pass forwards bytes.
	Pass Mode = iota
	// Blackhole accepts and reads the bytes and discards them, like a firewall that
	// drops packets: the sender learns nothing until its own timeouts fire.
	Blackhole
	// Drop closes every connection and refuses new ones, like a firewall that rejects.
	Drop
	// Hold reads nothing more: bytes wait in socket buffers until the mode changes, then
	// are delivered (a clogged link).
	Hold
)

// ErrRelayClosed reports a relay that was closed.
var ErrRelayClosed = errors.New("jepsen: relay closed")

// Relay is a fault-injecting TCP forwarder on a loopback port. Forward is the
// direction from whoever dials the relay to the upstream address; Back the reverse.
type Relay struct {
	upstream string
	ln       net.Listener

	mu      sync.Mutex
	changed chan struct{} // closed and replaced whenever a mode or delay changes
	fwd     Mode
	back    Mode
	delay   time.Duration
	conns   map[*relayConn]struct{}
	closed  bool
	wg      sync.WaitGroup
}

type relayConn struct{ down, up net.Conn }

func (c *relayConn) close() {
	c.down.Close()
	c.up.Close()
}

// NewRelay listens on a free loopback port and forwards what it accepts to upstream.
func NewRelay(upstream string) (*Relay, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &Relay{upstream: upstream, ln: ln, changed: make(chan struct{}), conns: map[*relayConn]struct{}{}}
	r.wg.Add(1)
	go r.accept()
	return r, nil
}

// Addr is the relay's listening address.
func (r *Relay) Addr() string { return r.ln.Addr().String() }

// Set changes both directions' modes. Drop in either direction closes every
// connection.
func (r *Relay) Set(fwd, back Mode) {
	r.mu.Lock()
	r.fwd, r.back = fwd, back
	r.notifyLocked()
	var cut []*relayConn
	if fwd == Drop || back == Drop {
		cut = r.takeConnsLocked()
	}
	r.mu.Unlock()
	for _, c := range cut {
		c.close()
	}
}

// Modes reports both directions' modes.
func (r *Relay) Modes() (fwd, back Mode) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fwd, r.back
}

// SetDelay adds d before each chunk is delivered, in both directions.
func (r *Relay) SetDelay(d time.Duration) {
	r.mu.Lock()
	r.delay = d
	r.notifyLocked()
	r.mu.Unlock()
}

// Reset closes every current connection; new ones are accepted as the modes say.
func (r *Relay) Reset() {
	r.mu.Lock()
	cut := r.takeConnsLocked()
	r.mu.Unlock()
	for _, c := range cut {
		c.close()
	}
}

// Close stops the relay and closes every connection, and waits for its goroutines.
func (r *Relay) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.notifyLocked()
	cut := r.takeConnsLocked()
	r.mu.Unlock()
	err := r.ln.Close()
	for _, c := range cut {
		c.close()
	}
	r.wg.Wait()
	return err
}

func (r *Relay) notifyLocked() {
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *Relay) takeConnsLocked() []*relayConn {
	cut := make([]*relayConn, 0, len(r.conns))
	for c := range r.conns {
		cut = append(cut, c)
	}
	clear(r.conns)
	return cut
}

func (r *Relay) accept() {
	defer r.wg.Done()
	for {
		down, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.mu.Lock()
		refuse := r.closed || r.fwd == Drop || r.back == Drop
		r.mu.Unlock()
		if refuse {
			down.Close()
			continue
		}
		up, err := net.DialTimeout("tcp", r.upstream, time.Second)
		if err != nil {
			down.Close()
			continue
		}
		c := &relayConn{down: down, up: up}
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			c.close()
			continue
		}
		r.conns[c] = struct{}{}
		r.mu.Unlock()
		r.wg.Add(2)
		go r.pipe(c, down, up, true)
		go r.pipe(c, up, down, false)
	}
}

// state returns the direction's mode, the delay and the channel closed at the next
// change.
func (r *Relay) state(forward bool) (Mode, time.Duration, <-chan struct{}, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.back
	if forward {
		m = r.fwd
	}
	return m, r.delay, r.changed, r.closed
}

// pipe copies src to dst under the direction's mode until either side breaks, then
// closes both.
func (r *Relay) pipe(c *relayConn, src, dst net.Conn, forward bool) {
	defer r.wg.Done()
	defer func() {
		r.mu.Lock()
		delete(r.conns, c)
		r.mu.Unlock()
		c.close()
	}()
	buf := make([]byte, 32<<10)
	for {
		// Hold: read nothing until the mode changes.
		for {
			m, _, changed, closed := r.state(forward)
			if closed {
				return
			}
			if m != Hold {
				break
			}
			<-changed
		}
		n, err := src.Read(buf)
		if n > 0 && !r.deliver(dst, buf[:n], forward) {
			return
		}
		if err != nil {
			return
		}
	}
}

// deliver holds a chunk read while the direction is held, waits out the delay, and
// writes it if the direction then passes. It reports whether the pipe should go on.
func (r *Relay) deliver(dst net.Conn, chunk []byte, forward bool) bool {
	for {
		m, delay, changed, closed := r.state(forward)
		switch {
		case closed:
			return false
		case m == Hold:
			<-changed
			continue
		case delay > 0:
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-changed:
				t.Stop()
				continue // re-read the mode and delay
			}
			if m, _, _, _ = r.state(forward); m == Hold {
				continue
			}
		}
		if m != Pass {
			return true // blackholed: read and discarded
		}
		_, err := dst.Write(chunk)
		return err == nil
	}
}
