// Package session is the session table of a ZooKeeper server: session ids and
// passwords, timeout negotiation, and expiry in tickTime buckets (ZooKeeper's
// SessionTrackerImpl and ExpiryQueue).
//
// The table keeps no clock of its own. Every call that depends on time takes the
// host's clock reading in milliseconds, and the id counter is seeded from a clock
// reading and the server id given in Config, so the same inputs always give the same
// ids. Expiry only marks sessions closing and reports them; the owner (the leader or a
// standalone server) then runs a closeSession transaction for each and calls Remove
// when it is applied.
package session
