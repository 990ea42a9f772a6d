package topics_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/fnflow/fnflow/topics"
)

func certificateKey(t *testing.T, s *topics.PushSigner) *rsa.PublicKey {
	t.Helper()
	block, _ := pem.Decode(s.CertificatePEM())
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("CertificatePEM is not a PEM certificate: %q", s.CertificatePEM())
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	// Self-signed: its own key verifies it.
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		t.Errorf("the certificate is not self-signed: %v", err)
	}
	return cert.PublicKey.(*rsa.PublicKey)
}

// The key is made once and kept, so the certificate receivers fetched
// keeps verifying after a restart.
func TestLoadOrCreatePushSignerKeepsItsKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	first, err := topics.LoadOrCreatePushSigner(dir, "https://example.test/cert.pem")
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, "mns-push-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("the key file has mode %v, want 0600", info.Mode().Perm())
	}
	key := certificateKey(t, first)
	if key.N.BitLen() != 2048 {
		t.Errorf("a %d-bit key, want 2048", key.N.BitLen())
	}
	again, err := topics.LoadOrCreatePushSigner(dir, "https://example.test/cert.pem")
	if err != nil {
		t.Fatal(err)
	}
	if !certificateKey(t, again).Equal(key) {
		t.Error("the second start made another key")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the directory holds %d files, want the key alone", len(entries))
	}
}

func TestLoadOrCreatePushSignerRefusesABadKeyFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mns-push-key.pem"), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := topics.LoadOrCreatePushSigner(dir, "https://example.test/cert.pem"); err == nil {
		t.Error("a key file holding no key was accepted")
	}
}

// A deployment's workers and gateways read one key file; a key too short to
// be safe is refused at start rather than used.
func TestLoadPushSigner(t *testing.T) {
	dir := t.TempDir()
	made, err := topics.LoadOrCreatePushSigner(dir, "https://example.test/cert.pem")
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := topics.LoadPushSigner(filepath.Join(dir, "mns-push-key.pem"), "https://example.test/cert.pem")
	if err != nil {
		t.Fatal(err)
	}
	if !certificateKey(t, made).Equal(certificateKey(t, loaded)) {
		t.Error("the loaded signer has another key")
	}

	short, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(short)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "short.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := topics.LoadPushSigner(path, "https://example.test/cert.pem"); err == nil {
		t.Error("a 1024-bit key was accepted")
	}
	if _, err := topics.LoadPushSigner(filepath.Join(dir, "missing.pem"), ""); err == nil {
		t.Error("a missing key file was accepted")
	}
}
