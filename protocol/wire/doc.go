// Package wire is the jute encoding of ZooKeeper's client protocol: frames, request and
// reply headers, every request and response record a 3.8 client uses, and watch events.
// Decoding never panics and never allocates more than its input justifies.
package wire
