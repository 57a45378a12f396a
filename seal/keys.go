package seal

import (
	"crypto/rand"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// Keys are signed-note keys (golang.org/x/mod/sumdb/note): Ed25519, named,
// and identified by a 4-byte hash of name and public key that every
// signature line carries. A private key looks like
// "PRIVATE+KEY+<name>+<hash>+<base64>", its public key like
// "<name>+<hash>+<base64>"; the public key is what is published. Rotating
// means sealing with a new key while verifiers trust old and new.

// GenerateKey returns a new private key and its public key, named name.
func GenerateKey(name string) (private, public string, err error) {
	private, public, err = note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", "", fmt.Errorf("generating seal key %q: %w", name, err)
	}
	return private, public, nil
}

// LoadSigner reads a private key from file, or from the environment
// variable's value when file is empty.
func LoadSigner(file string, getenv func(string) (string, bool), envVar string) (note.Signer, error) {
	var text, from string
	switch {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("reading the seal key: %w", err)
		}
		text, from = string(b), file
	default:
		v, ok := getenv(envVar)
		if !ok || v == "" {
			return nil, fmt.Errorf("no seal key: give --key-file or set %s (make one with `chaintap seal keygen`)", envVar)
		}
		text, from = v, "$"+envVar
	}
	s, err := note.NewSigner(strings.TrimSpace(text))
	if err != nil {
		return nil, fmt.Errorf("seal key in %s: %w (want PRIVATE+KEY+<name>+<hash>+<base64>)", from, err)
	}
	return s, nil
}

// ParseVerifiers parses public keys: each entry is a key or, when it is
// the name of a file, the keys in it, one per line (# comments allowed).
func ParseVerifiers(entries []string) (note.Verifiers, []note.Verifier, error) {
	var vs []note.Verifier
	for _, e := range entries {
		lines := []string{e}
		if b, err := os.ReadFile(e); err == nil {
			lines = strings.Split(string(b), "\n")
		}
		for _, l := range lines {
			l = strings.TrimSpace(l)
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			v, err := note.NewVerifier(l)
			if err != nil {
				return nil, nil, fmt.Errorf("public key %q: %w (want <name>+<hash>+<base64>, as `chaintap seal keygen` prints)", l, err)
			}
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return nil, nil, fmt.Errorf("no public key: give the sealer's public key with --key")
	}
	return note.VerifierList(vs...), vs, nil
}
