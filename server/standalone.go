package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"

	"github.com/zksim/zksim/server/config"
)

// StandaloneConfig is the zoo.cfg StartStandalone uses, with dataDir and clientPort
// filled in: a 2 s tick (sessions of 4 to 40 s), no per-IP connection limit, every
// four-letter word allowed and TTL nodes enabled, like the server the zk38-wire
// captures came from.
const StandaloneConfig = "tickTime=2000\nmaxClientCnxns=0\n4lw.commands.whitelist=*\nextendedTypesEnabled=true\n" +
	"clientPortAddress=127.0.0.1\n"

// StartStandalone starts an in-process standalone server on a free port of 127.0.0.1,
// keeping its files in dir (created if needed; reusing a dir restarts from its
// contents). It returns the client address ("127.0.0.1:port") and a stop function
// that shuts the server down and waits for it; stop is safe to call more than once.
// The server also stops when ctx is cancelled. Tests of clients use it:
//
//	addr, stop, err := server.StartStandalone(t.Context(), t.TempDir())
//	if err != nil { t.Fatal(err) }
//	t.Cleanup(stop)
func StartStandalone(ctx context.Context, dir string) (addr string, stop func(), err error) {
	return StartStandaloneLogged(ctx, dir, nil)
}

// StartStandaloneLogged is StartStandalone with a logger (nil logs nothing).
func StartStandaloneLogged(ctx context.Context, dir string, log *slog.Logger) (addr string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("server: listen: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	text := StandaloneConfig + "dataDir=" + dir + "\nclientPort=" + strconv.Itoa(port) + "\n"
	cfg, err := config.Parse("zoo.cfg", []byte(text))
	if err == nil {
		err = cfg.UseMyID("myid", nil)
	}
	if err != nil {
		ln.Close()
		return "", nil, err
	}
	srv, err := New(cfg, Options{Logger: log, Listener: ln})
	if err != nil {
		ln.Close()
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Run(ctx)
	}()
	return ln.Addr().String(), func() { cancel(); <-done }, nil
}
