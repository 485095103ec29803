package zab

// A zxid is epoch<<32 | counter. The counter of a leader's first transaction is 1; a
// bare epoch<<32 names the start of an epoch and no transaction.

// EpochOf returns the epoch half of a zxid.
func EpochOf(zxid int64) int64 { return zxid >> 32 }

// CounterOf returns the counter half of a zxid.
func CounterOf(zxid int64) int64 { return zxid & 0xffffffff }

// MakeZxid builds a zxid from its halves.
func MakeZxid(epoch, counter int64) int64 { return epoch<<32 | counter&0xffffffff }
