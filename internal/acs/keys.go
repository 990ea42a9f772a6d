package acs

import (
	"errors"
	"sync/atomic"
)

// Keys are the access keys requests are signed with, AccessKeyId to
// AccessKeySecret. Both faces of a gateway read the same Keys, and a reload
// (SIGHUP of `fnflow gateway`) replaces the whole set at once while requests
// are being checked. A nil *Keys holds none.
type Keys struct {
	secrets atomic.Pointer[map[string]string]
}

// NewKeys returns Keys holding secrets (none when secrets is empty).
func NewKeys(secrets map[string]string) *Keys {
	k := &Keys{}
	k.secrets.Store(&secrets)
	return k
}

// Secret returns the secret of the key id.
func (k *Keys) Secret(id string) (string, bool) {
	if k == nil {
		return "", false
	}
	secret, ok := (*k.secrets.Load())[id]
	return secret, ok
}

// All returns the keys held as they are now, for a caller that must look at
// every one (to compare them all in constant time); it must not change
// them.
func (k *Keys) All() map[string]string {
	if k == nil {
		return nil
	}
	return *k.secrets.Load()
}

// Required reports whether requests must be signed: whether any key is
// held.
func (k *Keys) Required() bool {
	return k != nil && len(*k.secrets.Load()) > 0
}

// Replace puts secrets in place of the keys held. It refuses an empty set:
// that would turn signature checks off on a gateway that may listen where
// only signed requests are safe.
func (k *Keys) Replace(secrets map[string]string) error {
	if len(secrets) == 0 {
		return errors.New("refusing to replace the access keys with none, which would stop signatures being checked")
	}
	k.secrets.Store(&secrets)
	return nil
}
