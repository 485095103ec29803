// Package wire is the jute encoding of ZooKeeper's client protocol: frames, request and
// reply headers, every request and response record a 3.8 client uses, and watch events.
// Decoding never panics and never allocates more than its input justifies.
//
// # Layers
//
//   - Encoder and Decoder are the jute primitives (int, long, boolean, ustring, buffer,
//     vector counts). A Decoder keeps the first error and returns zero values after
//     it, so records decode field by field and check Err once.
//   - Records (Stat, ACL, Id, the headers, ConnectRequest/ConnectResponse, one type per
//     request and response body, WatcherEvent) implement Record. Request bodies also
//     report their OpCode.
//   - Messages: DecodeConnectRequest, DecodeRequest, DecodeReply and friends take a frame
//     payload (no length prefix); AppendX/EncodeX produce whole frames, prefix included.
//     ParseFrame, FrameLength and FourLetterWord split a byte stream into frames.
//
// # What a server does with decoding errors
//
// As the Apache ZooKeeper 3.8 server does:
//
//   - FourLetterWord on a new connection's first 4 bytes: a command, not a frame.
//   - FrameLength error (negative, or above jute.maxbuffer, MaxBuffer by default): close
//     the connection without a reply.
//   - DecodeConnectRequest error: close.
//   - DecodeRequest *UnknownOpcodeError: reply ErrUnimplemented under its xid, then close.
//   - DecodeRequest ErrNullPath: reply ErrMarshallingError and keep the connection. Java
//     answers other malformed bodies (short buffer, bad lengths, ErrBadMultiOp, ...) of
//     pipeline requests the same way.
//   - DecodeRequest header error (payload under 8 bytes): close.
//
// # Choices
//
//   - Null versus empty. Buffers keep the distinction: nil is null (-1), a non-nil empty
//     slice is empty (0). ZooKeeper stores null node data as such. Vectors do not: both
//     the null and the empty vector decode to a nil slice and nil encodes as empty, since
//     no 3.8 client or server gives a null vector a meaning of its own (Java treats a
//     null ACL list like an empty one), and a nil slice is the natural Go zero value
//     for a server to return. A null ustring is an error (ErrNullString,
//     ErrNullPath for paths) except in ReconfigRequest, whose server lists are []byte so
//     that null survives.
//   - Trailing bytes after a record are ignored, as Java's archives ignore them; the
//     Decoder's Remaining reports them to a caller that cares.
//   - Booleans decode any non-zero byte as true (Java does) and encode as 0 or 1.
//   - The readOnly byte of the handshake is optional; HasReadOnly records whether it
//     was sent, and the response must mirror the request.
//   - Strings are bytes: no UTF-8 validation (Java would substitute invalid sequences;
//     paths with them are rejected later by path validation anyway).
//
// The package is pure: no I/O, clocks, randomness or goroutines.
package wire
