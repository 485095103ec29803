package config

import (
	"strconv"
	"strings"
)

// PeerType is a member's role in the ensemble.
type PeerType int

const (
	Participant PeerType = iota // votes; may lead
	Observer                    // follows without voting
)

func (p PeerType) String() string {
	if p == Observer {
		return "observer"
	}
	return "participant"
}

func parsePeerType(s string) (PeerType, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "participant":
		return Participant, true
	case "observer":
		return Observer, true
	}
	return Participant, false
}

// Address is one quorum and election endpoint of a member.
type Address struct {
	Host         string
	QuorumPort   int
	ElectionPort int
}

// Server is one server.N line.
type Server struct {
	ID int64
	// Addrs has one entry, or several joined by '|' when multiAddress.enabled=true.
	Addrs []Address
	Type  PeerType
	// ClientHost and ClientPort come from the optional ";[host:]port" part; ClientPort is
	// 0 when the line has none, and ClientHost defaults to 0.0.0.0 as in ZooKeeper.
	ClientHost string
	ClientPort int
	Line       int
}

// String renders the line's value as ZooKeeper's QuorumServer.toString does, which is
// also how it appears in the membership text of conf and /zookeeper/config.
func (s Server) String() string {
	var b strings.Builder
	for i, a := range s.Addrs {
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString(hostForm(a.Host) + ":" + strconv.Itoa(a.QuorumPort) + ":" + strconv.Itoa(a.ElectionPort))
	}
	b.WriteString(":" + s.Type.String())
	if s.ClientPort != 0 {
		b.WriteString(";" + hostForm(s.ClientHost) + ":" + strconv.Itoa(s.ClientPort))
	}
	return b.String()
}

// hostForm brackets IPv6 literals.
func hostForm(h string) string {
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}

const serverFormat = "does not have the form host:quorumPort:electionPort[:participant|:observer][;[clientHost:]clientPort]"

// parseServerLine parses the value of a server.N key. It returns the reason on failure.
func parseServerLine(id int64, value string, multiAddress bool) (Server, string) {
	s := Server{ID: id}
	serverPart, clientPart, hasClient := strings.Cut(value, ";")
	if strings.Contains(clientPart, ";") {
		return s, strconv.Quote(value) + " " + serverFormat
	}
	if hasClient {
		parts, ok := splitHostPorts(strings.TrimSpace(clientPart))
		if !ok || len(parts) > 2 || len(parts) == 0 {
			return s, strconv.Quote(value) + " " + serverFormat
		}
		s.ClientHost = "0.0.0.0"
		if len(parts) == 2 {
			s.ClientHost = parts[0]
		}
		port, why := parsePort(parts[len(parts)-1], false)
		if why != "" {
			return s, "client port " + why
		}
		s.ClientPort = port
	}
	addrs := strings.Split(serverPart, "|")
	if len(addrs) > 1 && !multiAddress {
		return s, "several addresses need multiAddress.enabled=true"
	}
	typed := false
	for _, a := range addrs {
		parts, ok := splitHostPorts(strings.TrimSpace(a))
		if !ok || len(parts) < 3 || len(parts) > 4 {
			return s, strconv.Quote(value) + " " + serverFormat
		}
		if parts[0] == "" {
			return s, "empty host in " + strconv.Quote(value)
		}
		qp, why := parsePort(parts[1], false)
		if why != "" {
			return s, "quorum port " + why
		}
		ep, why := parsePort(parts[2], false)
		if why != "" {
			return s, "election port " + why
		}
		if qp == ep {
			return s, "quorum and election ports must differ"
		}
		if len(parts) == 4 {
			t, ok := parsePeerType(parts[3])
			if !ok {
				return s, "unrecognised peer type " + strconv.Quote(parts[3])
			}
			if typed && t != s.Type {
				return s, "all addresses of one server must have the same role"
			}
			s.Type, typed = t, true
		}
		s.Addrs = append(s.Addrs, Address{Host: parts[0], QuorumPort: qp, ElectionPort: ep})
	}
	return s, ""
}

// splitHostPorts splits "host:a:b" or "[v6::addr]:a:b" on colons, keeping a bracketed
// IPv6 host whole (ZooKeeper's ConfigUtils.getHostAndPort).
func splitHostPorts(s string) ([]string, bool) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return nil, false
		}
		host, rest := s[1:end], s[end+1:]
		if rest == "" {
			return []string{host}, true
		}
		if rest[0] != ':' {
			return nil, false
		}
		return append([]string{host}, strings.Split(rest[1:], ":")...), true
	}
	return strings.Split(s, ":"), true
}

// parsePort reads a TCP port. zeroOK allows 0, which ZooKeeper reads as "not set".
func parsePort(s string, zeroOK bool) (int, string) {
	p, err := strconv.Atoi(strings.TrimSpace(s))
	switch {
	case err != nil:
		return 0, strconv.Quote(s) + " is not a number"
	case p == 0 && zeroOK:
		return 0, ""
	case p < 1 || p > 65535:
		return 0, strconv.Itoa(p) + " is out of range 1-65535"
	}
	return p, ""
}
