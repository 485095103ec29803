package datatree

import "github.com/zksim/zksim/protocol/wire"

// TxnHeader is ZooKeeper's TxnHeader: who asked (session and cxid), the zxid the leader
// gave the write, the leader's wall-clock time in ms (it becomes ctime/mtime), and the
// transaction type.
type TxnHeader struct {
	ClientID int64
	Cxid     int32
	Zxid     int64
	Time     int64
	Type     wire.OpCode
}

// Txn is one of the transaction records below. Which record goes with which header
// type:
//
//	OpCreate, OpCreate2   *CreateTxn
//	OpCreateContainer     *CreateContainerTxn
//	OpCreateTTL           *CreateTTLTxn
//	OpDelete,
//	OpDeleteContainer     *DeleteTxn
//	OpSetData             *SetDataTxn
//	OpSetACL              *SetACLTxn
//	OpCheck               *CheckVersionTxn
//	OpMulti               *MultiTxn
//	OpError               *ErrorTxn
//	OpCreateSession       *CreateSessionTxn
//	OpCloseSession        *CloseSessionTxn
type Txn interface{ txn() }

// CreateTxn creates a persistent or ephemeral node; an ephemeral one is owned by the
// header's session. ParentCVersion is the parent's new stored cversion (-1: one more
// than now).
type CreateTxn struct {
	Path           string
	Data           []byte
	ACL            []wire.ACL
	Ephemeral      bool
	ParentCVersion int32
}

// CreateContainerTxn creates a container node.
type CreateContainerTxn struct {
	Path           string
	Data           []byte
	ACL            []wire.ACL
	ParentCVersion int32
}

// CreateTTLTxn creates a TTL node.
type CreateTTLTxn struct {
	Path           string
	Data           []byte
	ACL            []wire.ACL
	ParentCVersion int32
	TTL            int64
}

// DeleteTxn deletes a node (a client delete, or a sweeper deleteContainer).
type DeleteTxn struct{ Path string }

// SetDataTxn replaces a node's data; Version is the node's new data version.
type SetDataTxn struct {
	Path    string
	Data    []byte
	Version int32
}

// SetACLTxn replaces a node's ACL; Version is the node's new aversion.
type SetACLTxn struct {
	Path    string
	ACL     []wire.ACL
	Version int32
}

// CheckVersionTxn is a multi's version check; it changes nothing. Version is, as in
// ZooKeeper, one more than the version that was checked.
type CheckVersionTxn struct {
	Path    string
	Version int32
}

// ErrorTxn records a write that failed validation; it still takes a zxid.
type ErrorTxn struct{ Err wire.ErrCode }

// CreateSessionTxn opens a global session; the tree does not change.
type CreateSessionTxn struct{ TimeOut int32 }

// CloseSessionTxn ends the header's session and deletes its ephemerals: Paths (decided
// when the close was prepared) first, then any other ephemerals it still owns.
type CloseSessionTxn struct{ Paths []string }

// MultiTxn is a multi's sub-transactions, all under the multi's one zxid. If any sub-op
// is an *ErrorTxn, the multi failed and none of them change the tree.
type MultiTxn struct{ Ops []SubTxn }

// SubTxn is one operation of a multi: its own type (OpCreate, OpCreate2,
// OpCreateContainer, OpCreateTTL, OpDelete, OpDeleteContainer, OpSetData, OpCheck or
// OpError) and record.
type SubTxn struct {
	Type wire.OpCode
	Txn  Txn
}

func (*CreateTxn) txn()          {}
func (*CreateContainerTxn) txn() {}
func (*CreateTTLTxn) txn()       {}
func (*DeleteTxn) txn()          {}
func (*SetDataTxn) txn()         {}
func (*SetACLTxn) txn()          {}
func (*CheckVersionTxn) txn()    {}
func (*ErrorTxn) txn()           {}
func (*CreateSessionTxn) txn()   {}
func (*CloseSessionTxn) txn()    {}
func (*MultiTxn) txn()           {}
