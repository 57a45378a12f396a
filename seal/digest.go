package seal

import (
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Header names the seal adds. These three are left out of the content
// digest (they hold it); every other header is covered, including any
// other name under HeaderPrefix, so nothing can be added unnoticed.
const (
	HeaderPrefix  = "chaintap.seal."
	HeaderSeq     = HeaderPrefix + "seq"     // the record's leaf index, decimal
	HeaderContent = HeaderPrefix + "content" // hex SHA-256 of the content
	HeaderPrev    = HeaderPrefix + "prev"    // hex digest of the previous sealed record
)

// Digest is a SHA-256 digest.
type Digest [sha256.Size]byte

func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// Domain-separation tags: a content digest can never be mistaken for a
// link digest, nor either for another protocol's hash.
const (
	contentTag = "chaintap-seal-content-v1\x00"
	linkTag    = "chaintap-seal-link-v1\x00"
)

// ContentDigest is the SHA-256 of r's key, value and non-seal headers, in
// order. Each field is a presence byte (null and empty differ in Kafka: a
// null value is a tombstone) and a length-prefixed body, so no two records
// encode alike.
func ContentDigest(r *kgo.Record) Digest { return newContentHash().digest(r) }

// contentHash computes content digests, each in two parts: keyValue, all
// that Prehash computes ahead, and finish (the headers). It is reused, one
// per sealer or verifier, so a digest allocates nothing, and small fields
// are gathered in buf and written to the hash together: a SHA-256 Write
// costs about as much for 5 bytes as for 100, and a record's headers are
// a dozen small fields. Not safe for concurrent use.
type contentHash struct {
	h   hash.Hash
	buf []byte
}

func newContentHash() *contentHash { return &contentHash{h: sha256.New(), buf: make([]byte, 0, 512)} }

// digest is r's content digest.
func (c *contentHash) digest(r *kgo.Record) Digest {
	c.keyValue(r.Key, r.Value)
	return c.finish(r.Headers)
}

// keyValue starts a digest: the tag, the key and the value, all written
// to the hash when it returns.
func (c *contentHash) keyValue(key, value []byte) {
	c.h.Reset()
	c.buf = append(c.buf[:0], contentTag...)
	c.field(key)
	c.field(value)
	c.flush()
}

// finish writes the number of non-seal headers and each one's name and
// value, and sums.
func (c *contentHash) finish(headers []kgo.RecordHeader) Digest {
	n := 0
	for _, hd := range headers {
		if !isSealHeader(hd.Key) {
			n++
		}
	}
	c.buf = binary.AppendUvarint(c.buf[:0], uint64(n))
	for _, hd := range headers {
		if isSealHeader(hd.Key) {
			continue
		}
		c.buf = append(binary.AppendUvarint(append(c.buf, 1), uint64(len(hd.Key))), hd.Key...)
		c.field(hd.Value)
	}
	c.flush()
	var d Digest
	copy(d[:], c.h.Sum(c.buf[:0]))
	return d
}

// bigField is the size from which a field is written to the hash as it
// is rather than copied into buf.
const bigField = 256

// field adds a presence byte, then, for a present field, its length
// (uvarint) and bytes.
func (c *contentHash) field(b []byte) {
	if b == nil {
		c.buf = append(c.buf, 0)
		return
	}
	c.buf = binary.AppendUvarint(append(c.buf, 1), uint64(len(b)))
	if len(b) < bigField {
		c.buf = append(c.buf, b...)
		return
	}
	c.flush()
	c.h.Write(b)
}

// flush writes what buf gathered.
func (c *contentHash) flush() {
	c.h.Write(c.buf)
	c.buf = c.buf[:0]
}

// LinkDigest is the digest of sealed record seq: it binds the record's
// place, its predecessor and its content, and it is the record's RFC 6962
// leaf hash, SHA-256(0x00 ‖ LinkLeaf), so the chain and the Merkle tree
// share one hash per record.
func LinkDigest(seq int64, prev, content Digest) Digest {
	var b [1 + linkLeafLen]byte // 0x00: RFC 6962's leaf prefix
	putLinkLeaf(b[1:], seq, prev, content)
	return sha256.Sum256(b[:])
}

const linkLeafLen = len(linkTag) + 8 + 2*sha256.Size

// LinkLeaf is the Merkle leaf data of l: the link tag, the seal number
// (8 bytes, big-endian), prev and content.
func (l Link) LinkLeaf() []byte {
	b := make([]byte, linkLeafLen)
	putLinkLeaf(b, l.Seq, l.Prev, l.Content)
	return b
}

func putLinkLeaf(b []byte, seq int64, prev, content Digest) {
	n := copy(b, linkTag)
	binary.BigEndian.PutUint64(b[n:], uint64(seq))
	n += 8
	n += copy(b[n:], prev[:])
	copy(b[n:], content[:])
}

func isSealHeader(k string) bool {
	return strings.HasPrefix(k, HeaderPrefix) && (k == HeaderSeq || k == HeaderContent || k == HeaderPrev)
}

// Link is what a sealed record's headers claim.
type Link struct {
	Seq     int64
	Prev    Digest
	Content Digest
}

// Digest is the record's link digest (its leaf hash).
func (l Link) Digest() Digest { return LinkDigest(l.Seq, l.Prev, l.Content) }

// headers returns l as record headers, their values in one allocation
// (sealing is on the produce path).
func (l Link) headers() [3]kgo.RecordHeader {
	const hexLen = 2 * sha256.Size
	buf := make([]byte, 2*hexLen, 2*hexLen+20)
	hex.Encode(buf[:hexLen], l.Content[:])
	hex.Encode(buf[hexLen:], l.Prev[:])
	buf = strconv.AppendInt(buf, l.Seq, 10)
	return [3]kgo.RecordHeader{
		{Key: HeaderSeq, Value: buf[2*hexLen:]},
		{Key: HeaderContent, Value: buf[:hexLen:hexLen]},
		{Key: HeaderPrev, Value: buf[hexLen : 2*hexLen : 2*hexLen]},
	}
}

// errNoSeal: a record carries none of the seal's headers.
var errNoSeal = fmt.Errorf("no seal headers")

// ReadLink parses the seal headers of r. A record with none returns
// errNoSeal; one with some but not all, or malformed ones, another error.
func ReadLink(r *kgo.Record) (Link, error) {
	var l Link
	var have int
	for _, hd := range r.Headers {
		var err error
		var bit int
		switch hd.Key {
		case HeaderSeq:
			l.Seq, err = strconv.ParseInt(string(hd.Value), 10, 64)
			if err == nil && (l.Seq < 0 || strconv.FormatInt(l.Seq, 10) != string(hd.Value)) {
				err = fmt.Errorf("not a canonical seal number")
			}
			bit = 1
		case HeaderContent:
			err = parseDigest(hd.Value, &l.Content)
			bit = 2
		case HeaderPrev:
			err = parseDigest(hd.Value, &l.Prev)
			bit = 4
		default:
			continue
		}
		if have&bit != 0 {
			return l, fmt.Errorf("seal header %s appears twice", hd.Key)
		}
		have |= bit
		if err != nil {
			return l, fmt.Errorf("seal header %s=%q: %w", hd.Key, hd.Value, err)
		}
	}
	switch have {
	case 0:
		return l, errNoSeal
	case 7:
		return l, nil
	}
	return l, fmt.Errorf("incomplete seal headers")
}

func parseDigest(b []byte, d *Digest) error {
	if hex.DecodedLen(len(b)) != len(d) {
		return fmt.Errorf("want %d hex digits", 2*len(d))
	}
	if _, err := hex.Decode(d[:], b); err != nil {
		return err
	}
	// One spelling per digest (lower case): the headers' bytes are as
	// fixed as what they encode.
	if hex.EncodeToString(d[:]) != string(b) {
		return fmt.Errorf("not lower-case hex")
	}
	return nil
}

// resume finishes a digest whose key and value pre covers: the state
// Prehash appended.
func (c *contentHash) resume(pre []byte, headers []kgo.RecordHeader) (Digest, error) {
	u, ok := c.h.(encoding.BinaryUnmarshaler)
	if !ok {
		return Digest{}, errors.New("SHA-256 cannot resume a state")
	}
	if err := u.UnmarshalBinary(pre); err != nil {
		return Digest{}, fmt.Errorf("resuming a content digest: %w", err)
	}
	return c.finish(headers), nil
}

// appendState appends the digest's state so far (after keyValue).
func (c *contentHash) appendState(dst []byte) ([]byte, error) {
	a, ok := c.h.(encoding.BinaryAppender)
	if !ok {
		return dst, errors.New("SHA-256 cannot save a state")
	}
	return a.AppendBinary(dst)
}
