package topics

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// PushSigner signs HTTP notifications the way MNS does: an RSA-SHA1 PKCS#1
// v1.5 signature, base64, in Authorization with no "MNS " prefix, and the
// base64 URL of the signing certificate in x-mns-signing-cert-url. MNS signs
// with Alibaba's certificate; fnflow cannot, so it signs with its own key and
// serves a self-signed certificate of it at certURL. Receivers that accept only
// Alibaba's certificate URLs must be told to accept this one.
type PushSigner struct {
	key     *rsa.PrivateKey
	certURL string
	certPEM []byte
}

// minPushKeyBits is the smallest RSA key a signer takes.
const minPushKeyBits = 2048

// NewPushSigner returns a signer with key whose certificate is served at
// certURL. The certificate is made afresh from key; it changes with every
// call but its public key does not, so signatures verify with any of them.
func NewPushSigner(key *rsa.PrivateKey, certURL string) (*PushSigner, error) {
	if key.N.BitLen() < minPushKeyBits {
		return nil, fmt.Errorf("the push signing key has %d bits, need at least %d", key.N.BitLen(), minPushKeyBits)
	}
	certPEM, err := selfSignedCertificate(key)
	if err != nil {
		return nil, fmt.Errorf("making the push signing key's certificate: %w", err)
	}
	return &PushSigner{key: key, certURL: certURL, certPEM: certPEM}, nil
}

// LoadPushSigner returns a signer with the RSA key in the PEM file path
// (PKCS#8, as `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`
// writes it), for a deployment whose workers and gateways share one key.
func LoadPushSigner(path, certURL string) (*PushSigner, error) {
	key, err := readPushKey(path)
	if err != nil {
		return nil, err
	}
	return NewPushSigner(key, certURL)
}

// CertificatePEM is the self-signed certificate the gateway serves at the
// signer's certificate URL.
func (p *PushSigner) CertificatePEM() []byte { return p.certPEM }

// sign returns the Authorization value for stringToSign.
func (p *PushSigner) sign(stringToSign string) (string, error) {
	digest := sha1.Sum([]byte(stringToSign))
	sig, err := rsa.SignPKCS1v15(nil, p.key, crypto.SHA1, digest[:])
	if err != nil {
		return "", fmt.Errorf("signing a notification: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// certURLHeader is the x-mns-signing-cert-url value.
func (p *PushSigner) certURLHeader() string {
	return base64.StdEncoding.EncodeToString([]byte(p.certURL))
}

func selfSignedCertificate(key *rsa.PrivateKey) ([]byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	template := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "fnflow MNS push notifications"},
		// An hour back for receivers whose clocks run behind.
		NotBefore: now.Add(-time.Hour),
		NotAfter:  now.AddDate(10, 0, 0),
		KeyUsage:  x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// pushKeyFile is where LoadOrCreatePushSigner keeps the key in its directory.
const pushKeyFile = "mns-push-key.pem"

// LoadOrCreatePushSigner returns a signer with the RSA key kept in dir,
// creating a 2048-bit key there (mode 0600) the first time, so that the
// certificate receivers have fetched keeps verifying across restarts.
// `fnflow dev` calls it with its data directory.
func LoadOrCreatePushSigner(dir, certURL string) (*PushSigner, error) {
	path := filepath.Join(dir, pushKeyFile)
	key, err := readPushKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createPushKey(path)
	}
	if errors.Is(err, fs.ErrExist) {
		// Another process created it between our read and our create.
		key, err = readPushKey(path)
	}
	if err != nil {
		return nil, err
	}
	return NewPushSigner(key, certURL)
}

func readPushKey(path string) (*rsa.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the push signing key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("reading the push signing key %s: no PEM PRIVATE KEY block", path)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("reading the push signing key %s: %w", path, err)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("reading the push signing key %s: it is a %T, not an RSA key", path, parsed)
	}
	return key, nil
}

func createPushKey(path string) (*rsa.PrivateKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generating the push signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encoding the push signing key: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the push signing key's directory: %w", err)
	}
	// Written whole under a temporary name (CreateTemp's mode is 0600), then
	// linked into place: a process starting at the same time finds either no
	// key or all of it, and the link fails (fs.ErrExist) if it was first.
	tmp, err := os.CreateTemp(dir, pushKeyFile+".*")
	if err != nil {
		return nil, fmt.Errorf("creating the push signing key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("writing the push signing key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("writing the push signing key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return nil, fmt.Errorf("creating the push signing key: %w", err)
	}
	return key, nil
}
