package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
)

// writeCert writes a self-signed certificate and its key as PEM files.
func writeCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "orderflow-worker"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "client.pem"), filepath.Join(dir, "client.key")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	return certFile, keyFile
}

func TestTemporalConnectionIsPlaintextOnlyWhenNothingIsConfigured(t *testing.T) {
	var opts client.Options
	require.NoError(t, TemporalTLS{}.apply(&opts))
	require.Nil(t, opts.ConnectionOptions.TLS)
	require.Nil(t, opts.Credentials)
}

func TestTemporalMutualTLS(t *testing.T) {
	cert, key := writeCert(t)
	var opts client.Options
	require.NoError(t, TemporalTLS{CertFile: cert, KeyFile: key, CAFile: cert, ServerName: "temporal.internal"}.apply(&opts))
	tls := opts.ConnectionOptions.TLS
	require.NotNil(t, tls)
	require.Len(t, tls.Certificates, 1)
	require.NotNil(t, tls.RootCAs)
	require.Equal(t, "temporal.internal", tls.ServerName)
}

func TestTemporalAPIKeyGoesOverTLS(t *testing.T) {
	var opts client.Options
	require.NoError(t, TemporalTLS{APIKey: "secret-key"}.apply(&opts))
	require.NotNil(t, opts.ConnectionOptions.TLS)
	require.NotNil(t, opts.Credentials)
}

// A server name to check is asked for TLS, not a plaintext connection that ignores it.
func TestTemporalServerNameAloneMeansTLS(t *testing.T) {
	var opts client.Options
	require.NoError(t, TemporalTLS{ServerName: "temporal.internal"}.apply(&opts))
	require.NotNil(t, opts.ConnectionOptions.TLS)
}

func TestTemporalTLSMisconfigurationIsRefused(t *testing.T) {
	cert, _ := writeCert(t)
	for name, c := range map[string]TemporalTLS{
		"a certificate without its key": {CertFile: cert},
		"a missing certificate":         {CertFile: "/nonexistent.pem", KeyFile: "/nonexistent.key"},
		"a CA file with no certificate": {TLS: true, CAFile: os.DevNull},
	} {
		t.Run(name, func(t *testing.T) {
			require.Error(t, c.apply(&client.Options{}))
		})
	}
}

// The settings come from the environment, as every other setting.
func TestTemporalTLSIsReadFromTheEnvironment(t *testing.T) {
	t.Setenv("TEMPORAL_TLS_CERT", "/etc/orderflow/client.pem")
	t.Setenv("TEMPORAL_API_KEY", "k")
	cfg, err := loadConfig()
	require.NoError(t, err)
	require.Equal(t, TemporalTLS{CertFile: "/etc/orderflow/client.pem", APIKey: "k"}, cfg.TemporalTLS)
}
