package config

import (
	"path/filepath"
	"strconv"
	"strings"
)

// ConfStats are the values of the conf four-letter word that the configuration does not
// hold: the bytes currently in the snapshot and log directories.
type ConfStats struct {
	DataDirSize int64
	DataLogSize int64
}

// snapshotSubdir is where ZooKeeper keeps its files under dataDir and dataLogDir, and
// what conf prints as the directories.
const snapshotSubdir = "version-2"

// Conf renders the configuration as ZooKeeper's conf command prints it
// (ZooKeeperServer.dumpConf, and QuorumZooKeeperServer.dumpConf in a quorum): one
// key=value line per setting; a quorum member adds its election settings, then
// "membership: " and the membership text.
func (c *Config) Conf(stats ConfStats) string {
	var b strings.Builder
	kv := func(k, v string) { b.WriteString(k + "=" + v + "\n") }
	secure := -1
	if c.SecureClientPort != 0 {
		secure = c.SecureClientPort
	}
	kv("clientPort", strconv.Itoa(c.ClientPort))
	kv("secureClientPort", strconv.Itoa(secure))
	kv("dataDir", filepath.Join(c.DataDir, snapshotSubdir))
	kv("dataDirSize", strconv.FormatInt(stats.DataDirSize, 10))
	kv("dataLogDir", filepath.Join(c.DataLogDir, snapshotSubdir))
	kv("dataLogSize", strconv.FormatInt(stats.DataLogSize, 10))
	kv("tickTime", strconv.Itoa(c.TickTime))
	kv("maxClientCnxns", strconv.Itoa(c.MaxClientCnxns))
	kv("minSessionTimeout", strconv.Itoa(c.MinSessionTimeout))
	kv("maxSessionTimeout", strconv.Itoa(c.MaxSessionTimeout))
	kv("clientPortListenBacklog", strconv.Itoa(c.ClientPortListenBacklog))
	if c.Standalone() {
		// A standalone ZooKeeperServer reports server id 0 whatever myid says.
		kv("serverId", "0")
		return b.String()
	}
	kv("serverId", strconv.FormatInt(c.ServerID, 10))
	kv("initLimit", strconv.Itoa(c.InitLimit))
	kv("syncLimit", strconv.Itoa(c.SyncLimit))
	kv("electionAlg", strconv.Itoa(c.ElectionAlg))
	own, _ := c.Server(c.ServerID)
	var election, quorum []string
	for _, a := range own.Addrs {
		election = append(election, strconv.Itoa(a.ElectionPort))
		quorum = append(quorum, strconv.Itoa(a.QuorumPort))
	}
	kv("electionPort", strings.Join(election, "|"))
	kv("quorumPort", strings.Join(quorum, "|"))
	kv("peerType", strconv.Itoa(int(c.PeerType)))
	b.WriteString("membership: \n")
	b.WriteString(c.Membership(0))
	return b.String()
}

// String is the conf rendering with unknown directory sizes.
func (c *Config) String() string { return c.Conf(ConfStats{}) }

// Membership is the configuration text ZooKeeper keeps in /zookeeper/config and sends in
// notifications and NEWLEADER: one server.N line per member in id order, then the
// config version in hex, with no final newline (QuorumMaj.toString).
func (c *Config) Membership(version int64) string {
	var b strings.Builder
	for _, s := range c.Servers {
		b.WriteString("server." + strconv.FormatInt(s.ID, 10) + "=" + s.String() + "\n")
	}
	b.WriteString("version=" + strconv.FormatInt(version, 16))
	return b.String()
}
