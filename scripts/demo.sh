#!/usr/bin/env bash
# The whole enrollment of a proxy, on a throwaway PKI directory: what an admin
# does on the engine host and on the proxy host, one command each.
# Usage: scripts/demo.sh [path/to/pkienroll]   (make demo builds it first)
set -euo pipefail

bin=$(realpath "${1:-bin/pkienroll}")
demo=${DEMO_DIR:-.demo}
rm -rf "$demo"
mkdir -p "$demo/proxy"
cd "$demo"
engine=engine-pki   # stands for /etc/pki/ovirt-engine on the engine host

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s# %s%s\n' "$bold" "$1" "$plain"; }
# run echoes a command the way it would be typed, then runs it.
run() {
  local out='$' a
  for a in "$@"; do
    case $a in *[[:space:]]*) out+=" '$a'" ;; *) out+=" $a" ;; esac
  done
  printf '%s\n' "$out"
  "$@"
}
pkienroll() { "$bin" "$@"; }

step "Engine host: create the CA (like pki-create-ca.sh)"
run pkienroll ca init --pki-dir "$engine" --subject "/C=US/O=Example Inc./CN=engine.example.com.81108"

step "Proxy host: derive the proxy's subject from the CA certificate"
cp "$engine/ca.pem" proxy/ca.pem
run pkienroll subject --cert proxy/ca.pem --cn proxy.example.com

step "Proxy host: new key (no passphrase, mode 0600) and request with that subject"
run pkienroll request --ca-cert proxy/ca.pem --cn proxy.example.com --keyout proxy/proxy.key --out proxy/proxy.req

step "Copy the request to the engine, and sign it there (like pki-enroll-request.sh)"
run cp proxy/proxy.req "$engine/requests/proxy.req"
run pkienroll sign --pki-dir "$engine" --name=proxy --days=3650

step "Copy the certificate back to the proxy and check it with openssl"
run cp "$engine/certs/proxy.cer" proxy/proxy.cer
run openssl verify -CAfile proxy/ca.pem proxy/proxy.cer
run openssl x509 -in proxy/proxy.cer -noout -subject -issuer -serial -dates -ext subjectAltName,keyUsage,extendedKeyUsage
run pkienroll verify --ca proxy/ca.pem --cert proxy/proxy.cer --key proxy/proxy.key --host proxy.example.com

step "Engine host: what the CA has issued, and a check of the PKI directory"
run pkienroll list --pki-dir "$engine"
run pkienroll ca check --pki-dir "$engine"

step "What is where"
printf '%-10s %s\n' "mode" "file"
find "$engine" proxy -type f | sort | while read -r f; do printf '%-10s %s\n' "$(stat -c %A "$f")" "$f"; done
printf '\n%s (the openssl ca index):\n' "$engine/database.txt"
cat "$engine/database.txt"
printf '%s: %s\n' "$engine/serial.txt" "$(cat "$engine/serial.txt")"
printf '\nEverything is in %s/. On a real proxy: proxy.key, proxy.cer and ca.pem go where the proxy reads them.\n' "$(pwd)"
