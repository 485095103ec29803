package election

import (
	"bytes"
	"testing"
)

// FuzzUnmarshalNotification checks that decoding never panics and that whatever
// decodes in the current layout re-encodes to the same bytes.
func FuzzUnmarshalNotification(f *testing.F) {
	f.Add(Notification{State: Looking, Leader: 1, Zxid: 0x100000002, ElectionEpoch: 3, PeerEpoch: 1}.Marshal())
	f.Add(Notification{State: Leading, Leader: 2, Config: []byte("version=0")}.Marshal())
	f.Add(make([]byte, 28))
	f.Add(make([]byte, 40))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := UnmarshalNotification(b)
		if err != nil || n.Version != NotificationVersion {
			return
		}
		if got := n.Marshal(); !bytes.Equal(got, b) {
			t.Fatalf("re-encode differs:\n%x\n%x", got, b)
		}
	})
}
