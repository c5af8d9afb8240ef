// The cloud's TLS identity. A real certificate comes by configuration (cert + key files);
// otherwise a development CA and a server certificate for localhost/127.0.0.1 are made with the
// system's openssl on first start and reused after, so devices can pin the CA across restarts.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface TlsFiles { cert: string; key: string; ca?: string }

export function developmentCertificate(dir: string): Required<TlsFiles> {
  mkdirSync(dir, { recursive: true });
  const ca = join(dir, "dev-ca.pem"), caKey = join(dir, "dev-ca.key");
  const cert = join(dir, "server.pem"), key = join(dir, "server.key");
  if (existsSync(ca) && existsSync(cert) && existsSync(key)) return { ca, cert, key };
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  // P-256 ECDSA: small handshakes and what MCU TLS stacks (mbedTLS) accelerate.
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl("req", "-x509", ...ec, "-keyout", caKey, "-out", ca, "-days", "3650", "-subj", "/CN=vsdk development CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  const csr = join(dir, "server.csr"), ext = join(dir, "server.ext");
  openssl("req", ...ec, "-keyout", key, "-out", csr, "-subj", "/CN=localhost");
  writeFileSync(ext, "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
  openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-out", cert, "-days", "825", "-extfile", ext);
  return { ca, cert, key };
}

export function loadTls(files: TlsFiles): { cert: Buffer; key: Buffer } {
  return { cert: readFileSync(files.cert), key: readFileSync(files.key) };
}
