package zab

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

func TestPacketRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		p    Packet
		size int
	}{
		{"null data and authinfo", Packet{Type: TypeCommit, Zxid: 0x300000002}, 20},
		{"empty data", Packet{Type: TypePing, Zxid: 5, Data: []byte{}}, 20},
		{"proposal", Packet{Type: TypeProposal, Zxid: 0x100000001, Data: []byte("txn")}, 23},
		{"request with authinfo", Packet{Type: TypeRequest, Zxid: -1, Data: []byte{1, 2},
			AuthInfo: []ID{{Scheme: "digest", ID: "u:h"}, {Scheme: "ip", ID: ""}}}, 18 + 4 + 4 + 6 + 4 + 3 + 4 + 2 + 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.p.Marshal()
			if len(b) != tc.size {
				t.Fatalf("size %d, want %d: %x", len(b), tc.size, b)
			}
			// Two packets back to back: the decoder reports what it used.
			stream := append(slices.Clone(b), b...)
			got, used, err := UnmarshalPacket(stream)
			if err != nil || used != len(b) {
				t.Fatalf("decode: used %d err %v", used, err)
			}
			if got.Type != tc.p.Type || got.Zxid != tc.p.Zxid || !bytes.Equal(got.Data, tc.p.Data) ||
				(got.Data == nil) != (tc.p.Data == nil) || !slices.Equal(got.AuthInfo, tc.p.AuthInfo) {
				t.Fatalf("got %+v want %+v", got, tc.p)
			}
			for cut := range len(b) {
				if _, _, err := UnmarshalPacket(b[:cut]); !errors.Is(err, ErrShortPacket) {
					t.Fatalf("cut at %d: %v", cut, err)
				}
			}
		})
	}
}

func TestPacketGoldenBytes(t *testing.T) {
	// COMMIT(0x100000002): type 4, zxid, null buffer, null vector.
	want := []byte{0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	if got := (Packet{Type: TypeCommit, Zxid: 0x100000002}).Marshal(); !bytes.Equal(got, want) {
		t.Fatalf("%x", got)
	}
}

func TestPacketBadLengths(t *testing.T) {
	bad := []byte{0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe}
	if _, _, err := UnmarshalPacket(bad); !errors.Is(err, ErrBadPacket) {
		t.Fatalf("negative buffer length: %v", err)
	}
	huge := []byte{0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff}
	if _, _, err := UnmarshalPacket(huge); !errors.Is(err, ErrShortPacket) {
		t.Fatalf("huge authinfo count: %v", err)
	}
}

func TestLearnerInfo(t *testing.T) {
	li := LearnerInfo{ServerID: 7, ProtocolVersion: ProtocolVersion, ConfigVersion: 0x100000000}
	got, err := UnmarshalLearnerInfo(li.Marshal())
	if err != nil || got != li {
		t.Fatalf("%+v %v", got, err)
	}
	old, err := UnmarshalLearnerInfo(li.Marshal()[:8])
	if err != nil || old.ServerID != 7 || old.ProtocolVersion != 0 {
		t.Fatalf("old form %+v %v", old, err)
	}
	if _, err := UnmarshalLearnerInfo([]byte{1, 2}); !errors.Is(err, ErrShortPacket) {
		t.Fatalf("short: %v", err)
	}
}

func TestPacketTypeNames(t *testing.T) {
	if TypeNewLeader.String() != "NEWLEADER" || TypeInformAndActivate.String() != "INFORMANDACTIVATE" || PacketType(99).String() != "PacketType(99)" {
		t.Fatal("names")
	}
}

func FuzzUnmarshalPacket(f *testing.F) {
	f.Add(Packet{Type: TypeProposal, Zxid: 0x100000001, Data: []byte("txn")}.Marshal())
	f.Add(Packet{Type: TypeRequest, Zxid: -1, AuthInfo: []ID{{"digest", "a:b"}}}.Marshal())
	f.Add(Packet{Type: TypeCommit, Zxid: 1}.Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		p, used, err := UnmarshalPacket(b)
		if err != nil {
			return
		}
		if used > len(b) {
			t.Fatalf("used %d of %d", used, len(b))
		}
		// Null and empty strings in authinfo are not distinguished, so compare by
		// decoding the re-encoding.
		again, used2, err := UnmarshalPacket(p.Marshal())
		if err != nil || used2 != len(p.Marshal()) || again.Type != p.Type || again.Zxid != p.Zxid ||
			!bytes.Equal(again.Data, p.Data) || (again.Data == nil) != (p.Data == nil) || !slices.Equal(again.AuthInfo, p.AuthInfo) {
			t.Fatalf("re-decode %+v != %+v (%v)", again, p, err)
		}
	})
}
