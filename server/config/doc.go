// Package config reads a ZooKeeper server's configuration: zoo.cfg (a Java properties
// file) and the myid file in dataDir, with ZooKeeper's keys, defaults and checks
// (reference §6), and renders the configuration as the conf four-letter word prints it.
//
// A bad value fails with an *Error naming the file, line, key and reason. Keys that
// ZooKeeper would accept but zksim does not act on, and keys nobody knows, are not
// errors: they come back as warnings for the caller to log.
package config
