package main

import (
	"flag"
	"fmt"

	"github.com/fnflow/fnflow/topics"
)

// pushFlags say how topic notifications are signed: `worker` signs them with
// the key, `gateway` serves the key's certificate for subscribers to check
// them. Every worker and gateway of a deployment reads the same key file.
type pushFlags struct {
	keyFile string
	certURL string
	// signs is set for the worker, which names the certificate's URL in
	// every notification it signs.
	signs bool
}

func (p *pushFlags) register(fs *flag.FlagSet, signs bool) {
	p.signs = signs
	fs.StringVar(&p.keyFile, "push-key-file", "", "PEM file of the RSA key (PKCS#8, 2048 bits or more) that signs topic notifications to HTTP subscribers; without it they go unsigned")
	if signs {
		fs.StringVar(&p.certURL, "push-cert-url", "", "URL of the key's certificate that notifications name, a gateway's /mns/notification-cert.pem as subscribers reach it; needed with --push-key-file")
	}
}

// signer returns the signer the flags describe, or nil for unsigned
// notifications.
func (p *pushFlags) signer() (*topics.PushSigner, error) {
	if p.keyFile == "" {
		if p.certURL != "" {
			return nil, fmt.Errorf("--push-cert-url needs --push-key-file")
		}
		return nil, nil
	}
	if p.signs && p.certURL == "" {
		return nil, fmt.Errorf("--push-key-file needs --push-cert-url: notifications name their certificate's URL")
	}
	s, err := topics.LoadPushSigner(p.keyFile, p.certURL)
	if err != nil {
		return nil, fmt.Errorf("--push-key-file: %w", err)
	}
	return s, nil
}
