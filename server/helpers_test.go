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
	srv, _, err := tryTestServer(t, dir, cfgLines, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// tryTestServer is newTestServer that returns New's error, and Run's result on a channel.
func tryTestServer(t *testing.T, dir, cfgLines string, opts ...func(*Options)) (*Server, <-chan error, error) {
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
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	result := make(chan error, 1)
	go func() {
		err := srv.Run(ctx)
		done <- err
		result <- err
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return srv, result, nil
}
