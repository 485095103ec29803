// Package server is the real host of the protocol core: TCP client, quorum and election
// ports, durable files with fsync, the wall clock, zoo.cfg and four-letter words.
package server
