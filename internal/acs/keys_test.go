package acs

import "testing"

func TestKeysReplaceWhole(t *testing.T) {
	var none *Keys
	if none.Required() || NewKeys(nil).Required() {
		t.Error("no keys, no signatures required")
	}
	if _, ok := none.Secret("id"); ok {
		t.Error("nil Keys hold no secret")
	}
	k := NewKeys(map[string]string{"old": "s1"})
	if err := k.Replace(map[string]string{"new": "s2"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := k.Secret("old"); ok {
		t.Error("a replaced set keeps none of the old keys")
	}
	if s, ok := k.Secret("new"); !ok || s != "s2" {
		t.Errorf("got %q %v", s, ok)
	}
	if err := k.Replace(map[string]string{}); err == nil || !k.Required() {
		t.Errorf("replacing with none must be refused and keep the keys: %v", err)
	}
}
