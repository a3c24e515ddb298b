package bolt

import (
	"errors"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// FormatVersion is the layout of the file this binary writes: its
// buckets, their keys and the records' JSON. A change that an older
// binary would misread raises it. Open refuses a file of a later format,
// and so does Restore, so an older binary never serves or restores a
// store it does not understand.
const FormatVersion = 1

var (
	bucketMeta = []byte("meta")   // facts about the file itself
	keyFormat  = []byte("format") // the FormatVersion that wrote it, in decimal
)

// ErrNotAStore means a file is not a tolk store: not a bbolt file, or a
// bbolt file without tolk's format mark.
var ErrNotAStore = errors.New("not a tolk store")

// ErrNewerFormat means a file was written by a later tolk than this one
// (its format is above FormatVersion).
var ErrNewerFormat = errors.New("the store was written by a newer tolk")

// markFormat stamps a file that has no format yet (a new file, or one
// written before formats were marked, which is format 1) and refuses a
// file of a later format.
func markFormat(tx *bolt.Tx) error {
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return fmt.Errorf("create %s: %w", bucketMeta, err)
	}
	if meta.Get(keyFormat) == nil {
		return meta.Put(keyFormat, []byte(strconv.Itoa(FormatVersion)))
	}
	_, err = readFormat(tx)
	return err
}

// readFormat returns the file's format, ErrNotAStore when it has none,
// or ErrNewerFormat when it is later than FormatVersion.
func readFormat(tx *bolt.Tx) (int, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil || meta.Get(keyFormat) == nil {
		return 0, fmt.Errorf("no format mark: %w", ErrNotAStore)
	}
	v, err := strconv.Atoi(string(meta.Get(keyFormat)))
	if err != nil || v < 1 {
		return 0, fmt.Errorf("format mark %q: %w", meta.Get(keyFormat), ErrNotAStore)
	}
	if v > FormatVersion {
		return v, fmt.Errorf("format %d, this binary reads up to %d: %w", v, FormatVersion, ErrNewerFormat)
	}
	return v, nil
}
