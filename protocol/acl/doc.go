// Package acl is ZooKeeper's access control: the auth schemes (world, auth, digest,
// ip, super), adding credentials to a connection, checking a node's ACL, the fixup
// applied to ACLs given to create and setACL, the redaction of getACL, and the
// 'cdrwa' permission letters.
//
// It follows Apache ZooKeeper's server (ZooKeeperServer.checkACL,
// PrepRequestProcessor.fixupACL, DigestAuthenticationProvider,
// IPAuthenticationProvider), including its parsing quirks, so that ids accepted or
// refused there are accepted or refused here. Only ASCII digits count as digits.
package acl
