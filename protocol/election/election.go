package election

import (
	"errors"
	"slices"

	"github.com/zksim/zksim/protocol/bugs"
)

// Default timing, in the unit of Tick's clock (ZooKeeper uses milliseconds).
const (
	DefaultMinNotificationInterval = 200
	DefaultMaxNotificationInterval = 60000
	DefaultFinalizeWait            = 200
)

// ErrBadConfig is returned by New for an unusable configuration.
var ErrBadConfig = errors.New("election: bad config")

// Config describes one server's view of the ensemble.
type Config struct {
	ID     int64
	Quorum QuorumVerifier
	// MinNotificationInterval is the first wait for a notification before the vote is
	// sent again; each silent wait doubles it, up to MaxNotificationInterval.
	MinNotificationInterval int64
	MaxNotificationInterval int64
	// FinalizeWait is how long a quorum must hold with no better vote arriving.
	FinalizeWait int64
	// DecideWhenUnanimous ends a round at once, without the finalize wait, when every
	// voter's vote of the round is in and names this server's proposal: no better vote
	// can still arrive in the round, so waiting only delays the start. ZooKeeper before
	// 3.4 ended a round once every voter had voted (ZOOKEEPER-975 removed that because it
	// did not require the votes to agree; here they must). Off by default, as in 3.8.
	DecideWhenUnanimous bool
	// ConfigData is the quorum configuration text sent in every notification.
	ConfigData []byte
	// Bugs reintroduces catalogued election faults (package bugs) for testing the
	// harness. The zero value is the correct protocol.
	Bugs bugs.Set
}

// Message is a notification to send to server To.
type Message struct {
	To           int64
	Notification Notification
}

// Decision ends a round: the ensemble agreed on Leader and this server takes Role
// (Leading, Following or Observing).
type Decision struct {
	Leader        int64
	Zxid          int64 // the leader's last zxid as voted
	PeerEpoch     int64 // the leader's currentEpoch as voted
	ElectionEpoch int64
	Role          State
}

// Ready holds the outputs accumulated since the last call to Ready.
type Ready struct {
	Messages []Message
	Decision *Decision
}

// Election is one server's Fast Leader Election state machine. It is not safe for
// concurrent use.
type Election struct {
	cfg    Config
	voter  bool
	state  State
	round  int64 // logicalclock
	now    int64
	myZxid int64
	myEp   int64

	proposal Vote // leader, zxid, peerEpoch proposed in this round
	current  Vote // the decided vote, once not LOOKING

	recv          map[int64]Vote // votes of this round
	outOfElection map[int64]Vote // settled votes from servers already past election

	lastHeard  int64 // when the last notification arrived (or the round started)
	notTimeout int64
	finalizing bool
	finalizeAt int64

	msgs     []Message
	decision *Decision
}

// New returns an Election in the LOOKING state that has not started a round yet.
func New(cfg Config) (*Election, error) {
	if cfg.Quorum == nil || len(cfg.Quorum.Voters()) == 0 {
		return nil, errors.Join(ErrBadConfig, errors.New("election: no voters"))
	}
	if cfg.MinNotificationInterval <= 0 {
		cfg.MinNotificationInterval = DefaultMinNotificationInterval
	}
	if cfg.MaxNotificationInterval < cfg.MinNotificationInterval {
		cfg.MaxNotificationInterval = max(DefaultMaxNotificationInterval, cfg.MinNotificationInterval)
	}
	if cfg.FinalizeWait <= 0 {
		cfg.FinalizeWait = DefaultFinalizeWait
	}
	return &Election{
		cfg:           cfg,
		voter:         cfg.Quorum.Weight(cfg.ID) > 0,
		state:         Looking,
		recv:          map[int64]Vote{},
		outOfElection: map[int64]Vote{},
	}, nil
}

// State is the server's current state.
func (e *Election) State() State { return e.state }

// Round is the current logical clock.
func (e *Election) Round() int64 { return e.round }

// Proposal is the vote currently proposed (while LOOKING) or decided.
func (e *Election) Proposal() Vote {
	if e.state == Looking {
		v := e.proposal
		v.ElectionEpoch = e.round
		return v
	}
	return e.current
}

// Start begins a new round (lookForLeader): advance the logical clock, vote for this
// server (observers propose nobody) and send the vote to every voter.
func (e *Election) Start(lastZxid, currentEpoch int64) {
	e.state = Looking
	e.round++
	e.myZxid, e.myEp = lastZxid, currentEpoch
	clear(e.recv)
	clear(e.outOfElection)
	e.proposal = e.initialVote()
	e.notTimeout = e.cfg.MinNotificationInterval
	e.lastHeard = e.now
	e.finalizing = false
	e.decision = nil
	e.sendNotifications()
	if e.hasQuorum(e.recv, e.Proposal()) { // a one-voter ensemble
		e.finalizing = true
		e.finalizeAt = e.now + e.cfg.FinalizeWait
	}
}

func (e *Election) initialVote() Vote {
	if !e.voter {
		return noVote
	}
	return Vote{Leader: e.cfg.ID, Zxid: e.myZxid, PeerEpoch: e.myEp}
}

// UpdatePeerEpoch records the epoch the decided leader established (QuorumPeer
// updateElectionVote, ZOOKEEPER-1732). The host calls it when ZAB reaches broadcast, so
// that every member of the ensemble reports the same vote to servers that join later;
// otherwise members that decided in different rounds could report different peerEpochs
// and a newcomer would never see a quorum agree.
func (e *Election) UpdatePeerEpoch(epoch int64) {
	if e.state != Looking {
		e.current.PeerEpoch = epoch
	}
}

// Tick advances the local clock to now: resend the vote after a silent wait (with
// backoff) and decide once a finalize wait has passed.
//
// A clock stepped back shifts the pending deadlines back by the same amount, so that a
// timeout still fires after its full wait instead of freezing until the clock climbs
// back past its highest earlier reading.
func (e *Election) Tick(now int64) {
	if now < e.now {
		back := e.now - now
		e.lastHeard -= back
		e.finalizeAt -= back
	}
	e.now = now
	if e.state != Looking || e.round == 0 {
		return
	}
	if e.finalizing {
		if e.now >= e.finalizeAt {
			e.decide(e.Proposal())
		}
		return
	}
	if e.now-e.lastHeard >= e.notTimeout {
		e.sendNotifications()
		e.lastHeard = e.now
		e.notTimeout = min(2*e.notTimeout, e.cfg.MaxNotificationInterval)
	}
}

// Step handles a notification from server from.
func (e *Election) Step(from int64, n Notification) {
	if e.cfg.Quorum.Weight(from) == 0 {
		// A non-voter learns the leader from our answers; it never counts. Only a
		// LOOKING non-voter is answered, and a non-voter never answers back (below), so
		// an exchange with it ends after one reply.
		if e.voter && from != e.cfg.ID && n.State == Looking {
			e.reply(from)
		}
		return
	}
	if e.state != Looking {
		if n.State == Looking && e.voter {
			e.reply(from)
		}
		return
	}
	if e.round == 0 {
		return
	}
	if n.State == Looking && n.ElectionEpoch < e.round && e.voter {
		e.reply(from) // bring a laggard into our round; a voter ignores a non-voter's vote
	}
	if e.cfg.Quorum.Weight(n.Leader) == 0 {
		return
	}
	if e.finalizing {
		if !e.better(n.Leader, n.Zxid, n.PeerEpoch, e.proposal.Leader, e.proposal.Zxid, e.proposal.PeerEpoch) {
			// ZooKeeper drops what it reads during the finalize wait; a unanimous
			// round still counts a vote for the proposal, which may complete it.
			if v := n.Vote(); e.cfg.DecideWhenUnanimous && n.State == Looking && agrees(v, e.Proposal()) {
				e.recv[from] = v
				e.decideIfUnanimous()
			} else {
				e.answerWorseVote(from, n)
			}
			return
		}
		e.finalizing = false
	}
	e.lastHeard = e.now
	switch n.State {
	case Looking:
		e.stepLooking(from, n)
	case Following, Leading:
		e.stepSettled(from, n)
	}
}

func (e *Election) stepLooking(from int64, n Notification) {
	if n.Zxid == -1 {
		return
	}
	switch {
	case n.ElectionEpoch > e.round:
		e.round = n.ElectionEpoch
		clear(e.recv)
		init := e.initialVote()
		if e.better(n.Leader, n.Zxid, n.PeerEpoch, init.Leader, init.Zxid, init.PeerEpoch) {
			e.proposal = Vote{Leader: n.Leader, Zxid: n.Zxid, PeerEpoch: n.PeerEpoch}
		} else {
			e.proposal = init
		}
		e.sendNotifications()
	case n.ElectionEpoch < e.round:
		return
	case e.better(n.Leader, n.Zxid, n.PeerEpoch, e.proposal.Leader, e.proposal.Zxid, e.proposal.PeerEpoch):
		e.proposal = Vote{Leader: n.Leader, Zxid: n.Zxid, PeerEpoch: n.PeerEpoch}
		e.sendNotifications()
	default:
		e.answerWorseVote(from, n)
	}
	e.recv[from] = n.Vote()
	if e.hasQuorum(e.recv, e.Proposal()) {
		e.finalizing = true
		e.finalizeAt = e.now + e.cfg.FinalizeWait
		e.decideIfUnanimous()
	}
}

// answerWorseVote tells a voter of this round whose vote is worse than this server's
// proposal what that proposal is, when DecideWhenUnanimous is set. ZooKeeper answers
// only votes of older rounds, so a voter that missed this server's notification (its
// election port was not open yet when it was sent) learns of it only at its next
// resend; the round then cannot become unanimous and waits out finalizeWait. Only the
// better side answers, so the exchange ends once the voter adopts the proposal.
func (e *Election) answerWorseVote(from int64, n Notification) {
	if !e.cfg.DecideWhenUnanimous || !e.voter || from == e.cfg.ID || n.State != Looking ||
		n.ElectionEpoch != e.round || agrees(n.Vote(), e.Proposal()) {
		return
	}
	e.reply(from)
}

// decideIfUnanimous decides the round now when DecideWhenUnanimous is set and every
// voter's vote of the round names the proposal.
func (e *Election) decideIfUnanimous() {
	if !e.cfg.DecideWhenUnanimous {
		return
	}
	p := e.Proposal()
	for _, id := range e.cfg.Quorum.Voters() {
		if v, ok := e.recv[id]; !ok || !agrees(v, p) {
			return
		}
	}
	e.decide(p)
}

// stepSettled handles a notification from a server that is already following or
// leading (receivedFollowingNotification / receivedLeadingNotification).
func (e *Election) stepSettled(from int64, n Notification) {
	v := n.Vote()
	if n.ElectionEpoch == e.round {
		e.recv[from] = v
		if e.hasQuorum(e.recv, v) && e.checkLeader(e.recv, n.Leader, n.ElectionEpoch) {
			e.decide(v)
			return
		}
	}
	e.outOfElection[from] = v
	if e.hasQuorum(e.outOfElection, v) && e.checkLeader(e.outOfElection, n.Leader, n.ElectionEpoch) {
		e.round = n.ElectionEpoch
		e.decide(v)
	}
}

// checkLeader guards against following a leader that is not (or no longer) leading:
// the named leader must itself have said LEADING, or, if it is this server, the round
// must be ours.
func (e *Election) checkLeader(votes map[int64]Vote, leader, electionEpoch int64) bool {
	if leader != e.cfg.ID {
		v, ok := votes[leader]
		return ok && v.State == Leading
	}
	return e.round == electionEpoch
}

func (e *Election) hasQuorum(votes map[int64]Vote, target Vote) bool {
	ids := make([]int64, 0, len(votes))
	for id, v := range votes {
		if agrees(v, target) {
			ids = append(ids, id)
		}
	}
	return e.cfg.Quorum.ContainsQuorum(ids)
}

func (e *Election) decide(v Vote) {
	role := Following
	switch {
	case v.Leader == e.cfg.ID:
		role = Leading
	case !e.voter:
		role = Observing
	}
	e.state = role
	e.finalizing = false
	e.current = Vote{Leader: v.Leader, Zxid: v.Zxid, ElectionEpoch: e.round, PeerEpoch: v.PeerEpoch, State: role}
	e.decision = &Decision{Leader: v.Leader, Zxid: v.Zxid, PeerEpoch: v.PeerEpoch, ElectionEpoch: e.round, Role: role}
	clear(e.recv)
	clear(e.outOfElection)
}

// sendNotifications sends the current proposal to every voter. A voter's own vote is
// recorded directly instead of looping back through the transport.
func (e *Election) sendNotifications() {
	p := e.Proposal()
	for _, id := range e.cfg.Quorum.Voters() {
		if id == e.cfg.ID {
			e.recv[id] = p
			continue
		}
		e.msgs = append(e.msgs, Message{To: id, Notification: e.notification(p, Looking)})
	}
}

func (e *Election) reply(to int64) {
	e.msgs = append(e.msgs, Message{To: to, Notification: e.notification(e.Proposal(), e.state)})
}

func (e *Election) notification(v Vote, s State) Notification {
	return Notification{
		State: s, Leader: v.Leader, Zxid: v.Zxid, ElectionEpoch: v.ElectionEpoch,
		PeerEpoch: v.PeerEpoch, Version: NotificationVersion, Config: slices.Clone(e.cfg.ConfigData),
	}
}

// HasReady reports whether Ready would return anything.
func (e *Election) HasReady() bool { return len(e.msgs) > 0 || e.decision != nil }

// Ready returns and clears the accumulated outputs. Messages may be sent in any order;
// nothing needs to be persisted first.
func (e *Election) Ready() Ready {
	rd := Ready{Messages: e.msgs, Decision: e.decision}
	e.msgs, e.decision = nil, nil
	return rd
}
