"""Peers for the linux-target check: a TLS echo server for "localhost" (certificate and key
given), and optionally a DNS server that reads every query and never answers."""
import socket
import ssl
import sys
import threading


def echo(conn, ctx):
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
        while True:
            data = tls.recv(4096)
            if not data:
                break
            tls.sendall(data)
    except (OSError, ssl.SSLError):
        pass  # the device side hung up or refused the certificate: both are cases under test
    finally:
        conn.close()


def silent_dns(address):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, 53))
    while True:
        sock.recvfrom(2048)


def main():
    port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    if len(sys.argv) > 4:
        threading.Thread(target=silent_dns, args=(sys.argv[4],), daemon=True).start()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(8)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=echo, args=(conn, ctx), daemon=True).start()


main()
