// Package worker wires fnflow to Temporal: the client options for a local
// server, a self-hosted cluster or Temporal Cloud, and the worker that runs
// flow executions, flow records and task activities.
package worker

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"go.temporal.io/sdk/client"
	temporallog "go.temporal.io/sdk/log"

	"github.com/fnflow/fnflow/internal/payload"
)

// TemporalConfig says how to reach Temporal.
type TemporalConfig struct {
	// Address is the frontend's host:port.
	Address   string
	Namespace string
	// TLS: client certificate and key for mTLS, CA to trust, and the server
	// name to expect. Setting any of them turns TLS on.
	TLSCert       string
	TLSKey        string
	TLSCA         string
	TLSServerName string
	// APIKey authenticates to Temporal Cloud; it implies TLS.
	APIKey string
	// Uncompressed sends requests to Temporal as they are rather than
	// gzipped, the SDK's default. Over loopback or a fast network gzip only
	// costs CPU: it was a tenth of `fnflow dev`'s under load
	// (docs/benchmarks.md).
	Uncompressed bool
}

// Dial connects to Temporal and checks that the namespace answers.
func Dial(ctx context.Context, cfg TemporalConfig, logger *slog.Logger) (client.Client, error) {
	opts := client.Options{
		HostPort:  cfg.Address,
		Namespace: cfg.Namespace,
		Logger:    temporallog.NewStructuredLogger(logger.With("component", "temporal-client")),
		// The workflow decodes its input with this converter: numbers stay
		// exact and payload sizes are what the gateway checked.
		DataConverter: payload.Converter,
	}
	tlsConfig, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}
	opts.ConnectionOptions.TLS = tlsConfig
	if cfg.Uncompressed {
		opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	}
	if cfg.APIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(cfg.APIKey)
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("connecting to Temporal at %s (namespace %s): %w", cfg.Address, cfg.Namespace, err)
	}
	return c, nil
}

func (cfg TemporalConfig) tlsConfig() (*tls.Config, error) {
	if cfg.TLSCert == "" && cfg.TLSKey == "" && cfg.TLSCA == "" && cfg.TLSServerName == "" && cfg.APIKey == "" {
		return nil, nil
	}
	conf := &tls.Config{ServerName: cfg.TLSServerName, MinVersion: tls.VersionTLS12}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return nil, errors.New("TLS needs both a client certificate and its key")
	}
	if cfg.TLSCert != "" {
		pair, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("loading TLS client certificate: %w", err)
		}
		conf.Certificates = []tls.Certificate{pair}
	}
	if cfg.TLSCA != "" {
		pem, err := os.ReadFile(cfg.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("reading TLS CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TLS CA %s holds no PEM certificate", cfg.TLSCA)
		}
		conf.RootCAs = pool
	}
	return conf, nil
}
