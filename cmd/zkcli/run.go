package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// run is zkcli without the process around it: args are the command-line
// arguments after the program name.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zkcli", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", "localhost:2181", "servers to connect to, host:port[,host:port…]")
	timeoutMs := fs.Int("timeout", 30000, "session timeout in milliseconds")
	fs.Bool("waitforconnection", true, "accepted for zkCli.sh compatibility: zkcli always waits (up to -timeout) for the session")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: zkcli [-server host:port[,host:port…]] [-timeout ms] [cmd args…]")
		fs.PrintDefaults()
		fmt.Fprintln(stderr, "Run `zkcli help` for the commands.")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("zkcli: %w", err)
	}
	if *timeoutMs <= 0 {
		return fmt.Errorf("zkcli: -timeout must be positive, got %d", *timeoutMs)
	}
	loc := time.UTC
	if os.Getenv("TZ") != "" {
		loc = time.Local
	}
	sh := newShell(*server, time.Duration(*timeoutMs)*time.Millisecond, loc, stdout, stderr)
	cmdArgs := fs.Args()

	// help and version need no server.
	if len(cmdArgs) > 0 && (cmdArgs[0] == "help" || cmdArgs[0] == "version") && len(cmdArgs) == 1 {
		if sh.execute(cmdArgs) != nil {
			return errFailed
		}
		return nil
	}

	term, isTerm := terminalOf(stdin, stdout)
	interactive := len(cmdArgs) == 0 && isTerm
	sh.showSessionEvents = interactive
	if interactive {
		fmt.Fprintln(sh.stdout, "Connecting to "+*server)
	}
	if err := sh.connect(*server); err != nil {
		if !interactive {
			fmt.Fprintln(sh.stderr, err.Error())
			sh.disconnect()
			return errFailed
		}
		fmt.Fprintln(sh.stderr, err.Error())
	}
	defer sh.disconnect()

	switch {
	case len(cmdArgs) > 0:
		// One command from the command line, as `zkCli.sh -server h cmd args`.
		err := sh.execute(cmdArgs)
		if err != nil {
			fmt.Fprintln(sh.stderr, err.Error())
			return errFailed
		}
		return nil
	case interactive:
		return sh.interactive(ctx, term)
	default:
		return sh.script(ctx, stdin)
	}
}

// script runs one command a line from r. Like zkCli fed by a pipe, the exit
// status is the last command's.
func (s *shell) script(ctx context.Context, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	failed := false
	for sc.Scan() && !s.quit && ctx.Err() == nil {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		failed = s.executeLine(line)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("zkcli: read commands: %w", err)
	}
	if failed {
		return errFailed
	}
	return nil
}
