#!/usr/bin/env bash
# mkcerts.sh [DIR]: make a local certificate authority and one server
# certificate for localhost, 127.0.0.1 and ::1 (both servers can share it),
# for trying SmartGate over https. Only for a demo on this machine: the CA key
# is a plain file, and anything that trusts ca.pem trusts whatever it signs.
#
# Writes into DIR (default ./data/tls):
#   ca.pem, ca-key.pem          the CA (kept if present, so a browser or OS
#                               that already trusts it keeps trusting it)
#   server.pem, server-key.pem  the server certificate and key (always new)
set -euo pipefail

dir=${1:-./data/tls}
mkdir -p "$dir"
cd "$dir"
umask 077

if [[ ! -f ca.pem || ! -f ca-key.pem ]]; then
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 825 \
		-keyout ca-key.pem -out ca.pem \
		-subj "/CN=SmartGate local demo CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

ext=$(mktemp)
csr=$(mktemp)
trap 'rm -f "$ext" "$csr"' EXIT
cat >"$ext" <<'EOF'
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1
EOF
openssl req -newkey rsa:2048 -nodes -sha256 -keyout server-key.pem -out "$csr" \
	-subj "/CN=localhost" 2>/dev/null
openssl x509 -req -in "$csr" -CA ca.pem -CAkey ca-key.pem \
	-set_serial "0x$(openssl rand -hex 16)" -days 397 -sha256 \
	-extfile "$ext" -out server.pem 2>/dev/null
chmod 644 ca.pem server.pem

here=$(pwd)
cat <<EOF
CA:          $here/ca.pem (trust it in your client: curl --cacert, SSL_CERT_FILE, or your OS store)
certificate: $here/server.pem
key:         $here/server-key.pem

Serve https with, for example:
  both:        FHIR_BASE_URL=https://localhost:8080/STU3 SSL_CERT_FILE=$here/ca.pem (each trusts the other)
  auth-server: AUTH_TLS_CERT=$here/server.pem AUTH_TLS_KEY=$here/server-key.pem AUTH_ISSUER=https://localhost:8081
  fhir-server: FHIR_TLS_CERT=$here/server.pem FHIR_TLS_KEY=$here/server-key.pem FHIR_AUTH_ISSUER=https://localhost:8081
EOF
