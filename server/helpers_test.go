package server

import (
	"context"
	"net"
	"strconv"
	"testing"

	"github.com/zksim/zksim/server/config"
)

// newTestServer runs a server on a free port of 127.0.0.1 with dataDir dir and the
// given zoo.cfg lines (tickTime=2000 unless they say otherwise); it stops at cleanup.
func newTestServer(t *testing.T, dir, cfgLines string, opts ...func(*Options)) *Server {
	t.Helper()
	srv, _, _, err := tryTestServer(t, dir, cfgLines, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// tryTestServer is newTestServer that returns New's error, Run's result on a channel,
// and a function that cancels Run.
func tryTestServer(t *testing.T, dir, cfgLines string, opts ...func(*Options)) (*Server, <-chan error, context.CancelFunc, error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	text := "tickTime=2000\n" + cfgLines + "dataDir=" + dir + "\nclientPort=" + strconv.Itoa(port) + "\n"
	cfg, err := config.Parse("zoo.cfg", []byte(text))
	if err == nil {
		err = cfg.UseMyID("myid", nil)
	}
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	o := Options{Listener: ln}
	for _, f := range opts {
		f(&o)
	}
	srv, err := New(cfg, o)
	if err != nil {
		ln.Close()
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	result := make(chan error, 1)
	go func() {
		result <- srv.Run(ctx)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return srv, result, cancel, nil
}

// restartable runs a server on dir that the test can stop and start again.
type restartable struct {
	t        *testing.T
	dir, cfg string
	srv      *Server
	result   <-chan error
	cancel   context.CancelFunc
	opts     []func(*Options)
}

func (r *restartable) start() string {
	r.t.Helper()
	srv, result, cancel, err := tryTestServer(r.t, r.dir, r.cfg, r.opts...)
	if err != nil {
		r.t.Fatal(err)
	}
	r.srv, r.result, r.cancel = srv, result, cancel
	return srv.Addr().String()
}

// stop shuts the server down cleanly.
func (r *restartable) stop() {
	r.t.Helper()
	r.cancel()
	if err := <-r.result; err != nil {
		r.t.Fatal(err)
	}
}
