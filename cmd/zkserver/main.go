// Command zkserver runs a ZooKeeper-compatible server from a zoo.cfg, operated the way
// zkServer.sh operates ZooKeeper:
//
//	zkserver start [zoo.cfg]            start in the background; pid file in dataDir
//	zkserver start-foreground [zoo.cfg] run in this process until SIGTERM or SIGINT
//	zkserver stop [zoo.cfg]             SIGTERM the server named by the pid file
//	zkserver restart [zoo.cfg]          stop, then start
//	zkserver status [zoo.cfg]           ask the server's client port with srvr
//	zkserver version                    print the version
//
// --test-only-bugs NAME[,NAME..] before the command switches catalogued protocol bugs
// on (package protocol/bugs) so a test harness such as zksim jepsen can show it finds
// them. It is for tests only: the server then loses or diverges data on purpose, says
// so in its log, and zoo.cfg cannot set it. A bad name exits 2.
// --test-only-clock-file PATH, also for tests only, runs the protocol on a clock skewed
// by the file (server.FileClock), which a harness rewrites to bump or drift it.
// --test-only-crash-file PATH, also for tests only, makes the server exit at once with
// status 137, as if killed with kill -9, when it reaches a protocol step the file arms
// (server.FileCrashPoints, package nemesis names the steps).
//
// The configuration is found as zkServer.sh finds it: a path given on the command
// line is used as is, a bare file name is looked up in the configuration directory;
// with no argument, $ZOOCFG in that directory. The directory is --config <dir>, else
// $ZOOCFGDIR, else "conf" (relative to the working directory); $ZOOCFG defaults to
// "zoo.cfg", so the default is conf/zoo.cfg.
//
// The pid file is dataDir/zookeeper_server.pid unless $ZOOPIDFILE names another.
// A background server's output goes to zookeeper.out in $ZOO_LOG_DIR, or in dataDir
// when that is not set.
//
// A configuration with several voting server.N lines makes this server a member of
// an ensemble (election and quorum ports from its own line, id from dataDir/myid);
// status then reports leader, follower or observer. Members speak zksim's own peer
// framing, so they form ensembles with each other, not with Apache ZooKeeper servers.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var quiet *exitError
		var bad *flagError
		switch {
		case errors.As(err, &bad):
			os.Exit(2) // run printed it with the usage
		case !errors.As(err, &quiet):
			fmt.Fprintln(os.Stderr, "zkserver:", err)
		}
		os.Exit(1)
	}
}
