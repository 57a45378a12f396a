package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// HeaderCipher names the key a value is encrypted under. It is covered by
// the seal like any header: the seal is computed over the ciphertext, so
// verifying needs no decryption key.
const HeaderCipher = HeaderPrefix + "enc"

// Cipher encrypts values with AES-256-GCM under a named key. A value
// becomes nonce (12 random bytes) ‖ ciphertext ‖ tag; the key's name is
// the additional data, so a value cannot be passed off as another key's.
// Null values (tombstones) stay null: compaction must still see them.
type Cipher struct {
	name string
	aead cipher.AEAD
}

// NewCipher returns the cipher of a 32-byte key named name.
func NewCipher(name string, key []byte) (*Cipher, error) {
	if name == "" || strings.ContainsAny(name, " \n") {
		return nil, fmt.Errorf("encryption key name %q: want a non-empty word", name)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("encryption key %s is %d bytes, want 32 (AES-256)", name, len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &Cipher{name: name, aead: g}, nil
}

// LoadCipher reads a key file holding 32 bytes as hex or base64 (as
// `chaintap seal keygen --encryption` writes it).
func LoadCipher(name, file string) (*Cipher, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading encryption key %s: %w", name, err)
	}
	s := strings.TrimSpace(string(b))
	key, err := hex.DecodeString(s)
	if err != nil {
		if key, err = base64.StdEncoding.DecodeString(s); err != nil {
			return nil, fmt.Errorf("encryption key file %s: want 32 bytes in hex or base64", file)
		}
	}
	return NewCipher(name, key)
}

// NewEncryptionKey returns 32 random bytes in hex.
func NewEncryptionKey() (string, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return "", err
	}
	return hex.EncodeToString(k), nil
}

// Name is the key's name.
func (c *Cipher) Name() string { return c.name }

// Encrypt replaces r's value by its ciphertext and names the key in a
// header.
func (c *Cipher) Encrypt(r *kgo.Record) error {
	if r.Value == nil {
		return nil
	}
	nonce := make([]byte, c.aead.NonceSize(), c.aead.NonceSize()+len(r.Value)+c.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return fmt.Errorf("encrypting: %w", err)
	}
	r.Value = c.aead.Seal(nonce, nonce, r.Value, []byte(c.name))
	r.Headers = append(r.Headers, kgo.RecordHeader{Key: HeaderCipher, Value: []byte(c.name)})
	return nil
}

// Decrypt returns the plaintext of r's value, using the cipher r's header
// names; a record without that header is returned as it is.
func Decrypt(r *kgo.Record, ciphers map[string]*Cipher) ([]byte, error) {
	var name string
	for _, h := range r.Headers {
		if h.Key == HeaderCipher {
			name = string(h.Value)
		}
	}
	if name == "" || r.Value == nil {
		return r.Value, nil
	}
	c, ok := ciphers[name]
	if !ok {
		return nil, fmt.Errorf("offset %d is encrypted under key %q, which was not given", r.Offset, name)
	}
	n := c.aead.NonceSize()
	if len(r.Value) < n+c.aead.Overhead() {
		return nil, fmt.Errorf("offset %d: ciphertext too short", r.Offset)
	}
	// An empty value stays empty, not null (a tombstone).
	pt, err := c.aead.Open([]byte{}, r.Value[:n], r.Value[n:], []byte(name))
	if err != nil {
		return nil, fmt.Errorf("offset %d: decrypting under key %q: %w", r.Offset, name, err)
	}
	return pt, nil
}
