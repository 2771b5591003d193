package engine_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
)

// tlsMaterial is a CA and, signed by it, a server certificate for
// 127.0.0.1 and a client certificate, as PEM files in dir (ca.pem,
// cert.pem and key.pem are the client's, as the docker CLI names them).
func tlsMaterial(t *testing.T, dir string) tls.Certificate {
	t.Helper()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey := key()
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cli test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ = x509.ParseCertificate(caDER)
	sign := func(tmpl *x509.Certificate, k *ecdsa.PrivateKey) []byte {
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	serverKey, clientKey := key(), key()
	serverDER := sign(&x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "engine"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, serverKey)
	clientDER := sign(&x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, clientKey)
	write := func(name, kind string, der []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	clientKeyDER, _ := x509.MarshalECPrivateKey(clientKey)
	write("ca.pem", "CERTIFICATE", caDER)
	write("cert.pem", "CERTIFICATE", clientDER)
	write("key.pem", "EC PRIVATE KEY", clientKeyDER)
	return tls.Certificate{Certificate: [][]byte{serverDER}, PrivateKey: serverKey}
}

// The host engine behind a TLS endpoint that verifies clients (a proxy to
// its socket, as an engine run with --tlsverify): reached through a docker
// context's TLS material, and through DOCKER_TLS_VERIFY and
// DOCKER_CERT_PATH; refused without a client certificate.
func TestDockerContextIntegrationTLS(t *testing.T) {
	enginetest.Require(t)
	ctx := enginetest.Context(t, time.Minute)
	config := t.TempDir()
	sum := sha256.Sum256([]byte("clitls"))
	id := hex.EncodeToString(sum[:])
	material := filepath.Join(config, "contexts", "tls", id, "docker")
	if err := os.MkdirAll(material, 0o700); err != nil {
		t.Fatal(err)
	}
	serverCert := tlsMaterial(t, material)
	pool := x509.NewCertPool()
	caPEM, _ := os.ReadFile(filepath.Join(material, "ca.pem"))
	pool.AppendCertsFromPEM(caPEM)

	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "engine"})
	proxy.Transport = &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", "/var/run/docker.sock")
	}}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{serverCert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert})
	if err != nil {
		t.Fatal(err)
	}
	server := &http.Server{Handler: proxy, ErrorLog: nil}
	go func() { _ = server.Serve(ln) }()
	t.Cleanup(func() { _ = server.Close() })
	host := "tcp://" + ln.Addr().String()

	writeDockerContext(t, config, "clitls", host)
	writeDockerContext(t, config, "clinocert", host)
	t.Setenv("DOCKER_CONFIG", config)
	t.Setenv("DOCKER_CONTEXT", "")
	reach := func(name string) error {
		cli, err := engine.Dial(ctx, name)
		if err != nil {
			return err
		}
		defer cli.Close()
		_, err = cli.Platform(ctx)
		return err
	}
	t.Setenv("DOCKER_HOST", "")
	if err := reach("clitls"); err != nil {
		t.Errorf("through context clitls and its TLS material: %v", err)
	}
	if err := reach("clinocert"); err == nil {
		t.Error("a context without TLS material reached an engine that requires a client certificate")
	}
	t.Setenv("DOCKER_HOST", host)
	t.Setenv("DOCKER_TLS_VERIFY", "1")
	t.Setenv("DOCKER_CERT_PATH", material)
	if err := reach(""); err != nil {
		t.Errorf("through DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH: %v", err)
	}
	t.Setenv("DOCKER_CERT_PATH", t.TempDir())
	if err := reach(""); err == nil || !strings.Contains(err.Error(), "ca.pem") {
		t.Errorf("DOCKER_CERT_PATH without the files: %v, want an error naming ca.pem", err)
	}
}
