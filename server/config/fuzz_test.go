package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzParse: the parser never panics, refuses only with *Error, and what it accepts
// renders; every server line re-reads from its rendering to the same server.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.cfg"))
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, []byte("1\n"))
	}
	f.Add([]byte(base+"server.1=[::1]:1:2:observer;h:5\nserver.2=a:1:2\nserver.3=b:3:4\ninitLimit=1\nsyncLimit=1\n"), []byte("2"))
	f.Add([]byte("k\\\n=\\u00"), []byte(nil))
	f.Fuzz(func(t *testing.T, data, myid []byte) {
		c, err := Parse("zoo.cfg", data)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if err := c.UseMyID("myid", myid); err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("untyped myid error %v", err)
			}
			return
		}
		conf := c.String()
		if !strings.HasPrefix(conf, "clientPort=") {
			t.Fatalf("conf rendering %q", conf)
		}
		for _, s := range c.Servers {
			again, why := parseServerLine(s.ID, s.String(), true)
			if why != "" {
				t.Fatalf("server.%d=%s does not re-read: %s", s.ID, s, why)
			}
			again.Line = s.Line
			if again.String() != s.String() || !slices.Equal(again.Addrs, s.Addrs) || again.ClientPort != s.ClientPort {
				t.Fatalf("server.%d re-reads as %s", s.ID, again)
			}
		}
	})
}
