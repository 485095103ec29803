package session

// PasswordLen is the length of a session password.
const PasswordLen = 16

// passwordSecret is ZooKeeperServer's "superSecret", mixed into the password seed.
const passwordSecret = 0xB3415C00

// java.util.Random's linear congruential generator.
const (
	javaMultiplier = 0x5DEECE66D
	javaAddend     = 0xB
	javaMask       = 1<<48 - 1
)

// Password returns the password of session id exactly as Apache ZooKeeper computes it:
// java.util.Random seeded with id^0xB3415C00, then nextBytes(16). Every server of an
// ensemble must agree on it, because a client presents it to whichever server it
// reconnects to.
func Password(id ID) [PasswordLen]byte {
	var p [PasswordLen]byte
	seed := (uint64(id) ^ passwordSecret ^ javaMultiplier) & javaMask
	for i := 0; i < PasswordLen; {
		seed = (seed*javaMultiplier + javaAddend) & javaMask
		r := int32(seed >> 16) // Random.next(32)
		for n := min(PasswordLen-i, 4); n > 0; n-- {
			p[i] = byte(r)
			r >>= 8
			i++
		}
	}
	return p
}

// CheckPassword reports whether pw is the password of session id.
func CheckPassword(id ID, pw []byte) bool {
	want := Password(id)
	if len(pw) != len(want) {
		return false
	}
	var diff byte
	for i := range want {
		diff |= want[i] ^ pw[i]
	}
	return diff == 0
}
