package jepsen

import (
	"sync"
	"time"

	"github.com/zksim/zksim/nemesis"
)

// clientLink is the harness's hold on one client's side of its connection: faults
// aimed at a client id act here. A paused or crashed client issues nothing and its
// bytes are held (its pings stop, so its session may expire, as a stopped process's
// would); a clogged link holds bytes both ways; a delay spike slows every read.
type clientLink struct {
	mu      sync.Mutex
	state   nemesis.Status
	clogged bool
	delay   time.Duration
	changed chan struct{}
	conn    *tapConn
}

func newClientLink() *clientLink { return &clientLink{changed: make(chan struct{})} }

func (l *clientLink) set(f func()) {
	l.mu.Lock()
	f()
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

// waitFlowing blocks while the link holds bytes, then returns the delay to add.
func (l *clientLink) waitFlowing(done <-chan struct{}) time.Duration {
	for {
		l.mu.Lock()
		held := l.clogged || l.state != nemesis.Up
		delay, changed := l.delay, l.changed
		l.mu.Unlock()
		if !held {
			return delay
		}
		select {
		case <-changed:
		case <-done:
			return 0
		}
	}
}

// waitRunning blocks while the client is paused or crashed.
func (l *clientLink) waitRunning(done <-chan struct{}) {
	for {
		l.mu.Lock()
		up, changed := l.state == nemesis.Up, l.changed
		l.mu.Unlock()
		if up {
			return
		}
		select {
		case <-changed:
		case <-done:
			return
		}
	}
}

func (l *clientLink) setConn(c *tapConn) {
	l.mu.Lock()
	l.conn = c
	l.mu.Unlock()
}

// reset closes the client's current connection; go-zk reconnects.
func (l *clientLink) reset() {
	l.mu.Lock()
	c := l.conn
	l.mu.Unlock()
	if c != nil {
		c.Conn.Close()
	}
}
