#!/usr/bin/env python3
"""A logging proxy for the Docker Engine API on a unix socket.

    apiproxy.py LISTEN UPSTREAM LOG

Listens on the unix socket LISTEN, forwards every connection to the unix
socket UPSTREAM (the engine), and appends one JSON line per HTTP request to
LOG: {"m": METHOD, "p": PATH, "b": BODY}, BODY being the request body as
text for POST/PUT requests of up to 1 MiB (so creates can be replayed), and
null otherwise.  Point a client at it with DOCKER_HOST=unix://LISTEN.

Requests are parsed, not grepped: the request line and headers, then the
body by Content-Length or chunked transfer coding, so a body never counts
as a request and keep-alive connections count every request they carry.
A request that upgrades the connection (attach, exec start) ends the
parsing on that connection; the rest is copied as it is.  Responses are
copied back unparsed.

It runs until killed (SIGTERM), and prints "ready" on stdout once it
listens.  Used by converge.sh to count docker-compose's API calls in an
untimed run (the proxy's own latency is never part of a timing).
"""
import json
import os
import signal
import socket
import sys
import threading

BODY_MAX = 1 << 20


class Conn:
    """The client side of one connection: buffered reads, forwarding."""

    def __init__(self, client, upstream):
        self.client, self.upstream, self.buf = client, upstream, b""

    def fill(self):
        data = self.client.recv(65536)
        if not data:
            raise EOFError
        self.buf += data

    def line(self):
        while b"\r\n" not in self.buf:
            if len(self.buf) > 65536:
                raise ValueError("header line too long")
            self.fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def take(self, n):
        """Forward exactly n bytes, returning the first BODY_MAX of them."""
        kept = []
        while n > 0:
            if not self.buf:
                self.fill()
            chunk, self.buf = self.buf[:n], self.buf[n:]
            self.upstream.sendall(chunk)
            if sum(len(k) for k in kept) < BODY_MAX:
                kept.append(chunk)
            n -= len(chunk)
        return b"".join(kept)

    def send_line(self, line):
        self.upstream.sendall(line + b"\r\n")


def client_to_upstream(conn, log, lock):
    try:
        while True:
            request = conn.line()
            if not request:
                conn.send_line(request)  # a stray CRLF between requests
                continue
            headers = {}
            conn.send_line(request)
            while True:
                h = conn.line()
                conn.send_line(h)
                if not h:
                    break
                k, _, v = h.partition(b":")
                headers[k.strip().lower()] = v.strip()
            method, path = (request.decode("latin-1").split(" ") + ["", ""])[:2]
            body = b""
            if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
                while True:
                    size_line = conn.line()
                    conn.send_line(size_line)
                    size = int(size_line.split(b";")[0], 16)
                    body += conn.take(size) if size else b""
                    if size == 0:
                        while True:  # trailers, then the empty line
                            t = conn.line()
                            conn.send_line(t)
                            if not t:
                                break
                        break
                    conn.send_line(conn.line())  # CRLF after the chunk
            else:
                body = conn.take(int(headers.get(b"content-length", b"0") or 0))
            keep = method in ("POST", "PUT") and 0 < len(body) <= BODY_MAX
            rec = {"m": method, "p": path, "b": body.decode("utf-8", "replace") if keep else None}
            with lock:
                log.write(json.dumps(rec) + "\n")
                log.flush()
            if b"upgrade" in headers:
                break
        # Upgraded: copy the rest as it is.
        if conn.buf:
            conn.upstream.sendall(conn.buf)
        pipe(conn.client, conn.upstream)
    except (EOFError, OSError, ValueError):
        pass
    finally:
        try:
            conn.upstream.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve(client, upstream_path, log, lock):
    upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        upstream.connect(upstream_path)
    except OSError:
        client.close()
        upstream.close()
        return
    back = threading.Thread(target=pipe, args=(upstream, client), daemon=True)
    back.start()
    client_to_upstream(Conn(client, upstream), log, lock)
    back.join()
    client.close()
    upstream.close()


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    listen, upstream, log_path = sys.argv[1:]
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    log, lock = open(log_path, "a"), threading.Lock()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if os.path.exists(listen):
        os.unlink(listen)
    server.bind(listen)
    server.listen(64)
    print("ready", flush=True)
    while True:
        client, _ = server.accept()
        threading.Thread(target=serve, args=(client, upstream, log, lock), daemon=True).start()


if __name__ == "__main__":
    main()
