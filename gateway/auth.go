package gateway

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"slices"

	"github.com/chaintap/chaintap/decode"
)

// Token is one REST client: its bearer secret and what it may use. "*" in
// Senders or Contracts allows all; value transfers and deployments name no
// contract and need Contracts to hold "*".
type Token struct {
	Name      string
	Secret    string
	Senders   []string
	Contracts []string
}

// checkTokens refuses tokens that name unknown senders or contracts, or
// whose secret is empty or shared.
func checkTokens(tokens []Token, senders map[string]*sender, contracts map[string]decode.Contract) error {
	seen := map[string]string{}
	for _, t := range tokens {
		if len(t.Secret) < 16 {
			return fmt.Errorf("gateway token %s: the secret must be at least 16 characters", t.Name)
		}
		if other, dup := seen[t.Secret]; dup {
			return fmt.Errorf("gateway tokens %s and %s have the same secret", other, t.Name)
		}
		seen[t.Secret] = t.Name
		for _, s := range t.Senders {
			if _, ok := senders[s]; !ok && s != "*" {
				return fmt.Errorf("gateway token %s: unknown sender %q", t.Name, s)
			}
		}
		for _, c := range t.Contracts {
			if _, ok := contracts[c]; !ok && c != "*" {
				return fmt.Errorf("gateway token %s: unknown contract %q", t.Name, c)
			}
		}
	}
	return nil
}

// authenticate finds the token whose secret is bearer. Every token is
// compared, each in constant time over hashes of equal length, so the
// time taken tells nothing about which secret (or how much of one) matched.
func authenticate(tokens []Token, bearer string) (*Token, bool) {
	got := sha256.Sum256([]byte(bearer))
	var found *Token
	for i := range tokens {
		want := sha256.Sum256([]byte(tokens[i].Secret))
		if subtle.ConstantTimeCompare(got[:], want[:]) == 1 {
			found = &tokens[i]
		}
	}
	return found, found != nil
}

func (t *Token) allowsSender(name string) bool {
	return slices.Contains(t.Senders, "*") || slices.Contains(t.Senders, name)
}

// allowsRequest reports whether t may send r, and if not what it lacks.
func (t *Token) allowsRequest(r Request) (string, bool) {
	if !t.allowsSender(r.From) {
		return "sender", false
	}
	if slices.Contains(t.Contracts, "*") {
		return "", true
	}
	if r.Kind() != "call" || !slices.Contains(t.Contracts, r.Contract) {
		return "contract", false
	}
	return "", true
}
