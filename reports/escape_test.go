package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A trace quotes values it does not control (log text, data read back from a corrupted
// node); characters XML forbids must not make the page unreadable.
func TestForbiddenCharactersKeepPageWellFormed(t *testing.T) {
	for _, bad := range []string{"\x00", "\x01\x1b", "\xff\xfe", "\uFFFF"} {
		trace := strings.Replace(sampleTrace, `text="role leading`, `text="role `+bad+`leading`, 1)
		require.NotEqual(t, sampleTrace, trace, "the sample trace must have a leader log line")
		run := sampleRun()
		run.Result.Trace = trace
		var b bytes.Buffer
		require.NoError(t, RenderHTML(&b, run))
		parseXHTML(t, b.Bytes())
	}
}
