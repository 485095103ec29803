// Package election is ZooKeeper's Fast Leader Election (FastLeaderElection.lookForLeader)
// as a pure state machine.
//
// An Election is driven by three inputs: Start (begin a round with this server's last
// logged zxid and currentEpoch), Step (a Notification from a peer) and Tick (the local
// clock reading, in the same unit as the intervals of Config). Its outputs are collected
// in a Ready value: notifications to send and, once the ensemble agrees, a Decision naming
// the leader and this server's role. After deciding, the Election keeps answering LOOKING
// peers with the decided vote, which is how a restarted server finds an established
// leader. Once the leader's epoch is established the host calls UpdatePeerEpoch, so that
// all members report one vote to newcomers (ZOOKEEPER-1732). Start begins a new round
// when the role ends.
//
// Votes are ordered by (peerEpoch, zxid, server id) (Better). A vote wins once a quorum
// of voters (QuorumVerifier) holds it and no better vote arrives within FinalizeWait.
// Observers run the same algorithm to learn the leader but are never counted and never
// proposed. Notifications use ZooKeeper's election wire format (Notification.Marshal).
//
// Config.Bugs can switch on ZOOKEEPER-1419's broken vote order (package bugs) for
// testing the harness; the zero value is the correct algorithm.
package election
