package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/chzyer/readline"
)

// terminalOf reports whether stdin and stdout are both a terminal, and the
// terminal file.
func terminalOf(stdin io.Reader, stdout io.Writer) (*os.File, bool) {
	in, ok := stdin.(*os.File)
	if !ok {
		return nil, false
	}
	out, ok := stdout.(*os.File)
	if !ok {
		return nil, false
	}
	if !readline.IsTerminal(int(in.Fd())) || !readline.IsTerminal(int(out.Fd())) {
		return nil, false
	}
	return in, true
}

// historyFile is where typed commands are kept between runs, like jline's
// ~/.zookeeper history ("" keeps them in memory only).
func historyFile() string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return ""
	}
	return filepath.Join(home, ".zkcli_history")
}

// interactive reads commands with line editing, history and tab completion
// until quit, end of input (Ctrl-D) or ctx ends.
func (s *shell) interactive(ctx context.Context, term *os.File) error {
	fmt.Fprintln(s.stdout, "Welcome to ZooKeeper!")
	rl, err := readline.NewEx(&readline.Config{
		Prompt:          s.prompt(),
		HistoryFile:     historyFile(),
		HistoryLimit:    1000,
		AutoComplete:    &completer{s: s},
		InterruptPrompt: "^C",
		EOFPrompt:       "quit",
		Stdin:           term,
		Stdout:          s.stdout,
		Stderr:          s.stderr,
	})
	if err != nil {
		return fmt.Errorf("zkcli: line editor: %w", err)
	}
	defer rl.Close()
	stop := context.AfterFunc(ctx, func() { rl.Close() })
	defer stop()
	s.mu.Lock()
	s.asyncTo = rl.Stdout() // notifications redraw the prompt below them
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.asyncTo = s.stdout
		s.mu.Unlock()
	}()
	for !s.quit {
		rl.SetPrompt(s.prompt())
		line, err := rl.Readline()
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			continue
		case err != nil: // io.EOF or closed
			return nil
		}
		s.executeLine(line)
	}
	return nil
}

// completer completes command names in the first word and znode paths in the
// others, asking the server for the children of the path typed so far.
type completer struct{ s *shell }

func (c *completer) Do(line []rune, pos int) ([][]rune, int) {
	head := string(line[:pos])
	start := strings.LastIndexAny(head, " \t") + 1
	word := head[start:]
	if strings.TrimSpace(head[:start]) == "" {
		return suffixes(commandNames(), word), len([]rune(word))
	}
	if !strings.HasPrefix(word, "/") {
		return nil, 0
	}
	return suffixes(c.pathCandidates(word), word), len([]rune(word))
}

func commandNames() []string {
	names := make([]string, 0, len(commands))
	for _, cmd := range commands {
		names = append(names, cmd.name+" ")
	}
	return names
}

// pathCandidates lists the children of word's parent whose names start with
// word's last segment, as full paths.
func (c *completer) pathCandidates(word string) []string {
	conn, _, ok := c.s.live()
	if !ok {
		return nil
	}
	slash := strings.LastIndexByte(word, '/')
	parent := word[:slash]
	if parent == "" {
		parent = "/"
	}
	children, _, err := conn.Children(parent)
	if err != nil {
		return nil
	}
	sort.Strings(children)
	out := make([]string, 0, len(children))
	for _, ch := range children {
		out = append(out, word[:slash+1]+ch)
	}
	return out
}

// suffixes keeps the candidates that start with word and returns what each
// adds after it, as readline.AutoCompleter wants.
func suffixes(candidates []string, word string) [][]rune {
	var out [][]rune
	for _, cand := range candidates {
		if strings.HasPrefix(cand, word) {
			out = append(out, []rune(cand[len(word):]))
		}
	}
	return out
}
