#!/bin/sh
# Builds this project for ESP-IDF's linux target and runs it against a local TLS echo server.
# Needs ESP-IDF 5.1-5.5 at $IDF_PATH and its Python ($PYTHON, with cryptography for the
# certificate bundle), a host gcc, cmake, ninja, libbsd (Debian libbsd-dev: ESP-IDF's linux
# target includes <bsd/sys/cdefs.h>), openssl and python3. As root it also runs the unanswered-DNS
# case: resolv.conf, in a private mount namespace (unshare -m), names a server that never answers.
# Usage: IDF_PATH=/path/to/esp-idf PYTHON=/path/to/idf-env/bin/python run.sh [work-dir]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=${1:-$(mktemp -d)}
python=${PYTHON:-python3}
port=${TLS_PORT:-47443}
mkdir -p "$work"
cd "$work"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
  -days 2 -subj "/CN=vsdk test CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout srv.key -out srv.csr \
  -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost\n' > srv.ext
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 \
  -extfile srv.ext 2>/dev/null
# The certificate bundle holds the test CA only, so esp-tls verifies exactly as on a device.
cat > sdkconfig.defaults <<DEFAULTS
CONFIG_MBEDTLS_CERTIFICATE_BUNDLE=y
CONFIG_MBEDTLS_CERTIFICATE_BUNDLE_DEFAULT_NONE=y
CONFIG_MBEDTLS_CUSTOM_CERTIFICATE_BUNDLE=y
CONFIG_MBEDTLS_CUSTOM_CERTIFICATE_BUNDLE_PATH="$work/ca.pem"
DEFAULTS
IDF_COMPONENT_MANAGER=0 cmake -G Ninja -S "$here" -B build -DIDF_TARGET=linux -DPYTHON_DEPS_CHECKED=1 \
  -DPYTHON="$python" -DSDKCONFIG="$work/sdkconfig" -DSDKCONFIG_DEFAULTS="$work/sdkconfig.defaults" > configure.log
ninja -C build > build.log

slow_dns=""
if [ "$(id -u)" = 0 ] && command -v unshare > /dev/null; then
  slow_dns=127.0.0.77
  printf 'nameserver %s\noptions timeout:3 attempts:1\n' "$slow_dns" > resolv.conf
fi
python3 "$here/servers.py" "$port" srv.pem srv.key $slow_dns &
server=$!
trap 'kill $server 2> /dev/null' EXIT
sleep 1
if [ -n "$slow_dns" ]; then
  TLS_PORT=$port SLOW_NAME=slow.example unshare -m sh -c \
    "mount --bind '$work/resolv.conf' /etc/resolv.conf && exec ./build/vsdk_net_linux.elf"
else
  echo "not root: the unanswered-DNS case is skipped"
  TLS_PORT=$port ./build/vsdk_net_linux.elf
fi
