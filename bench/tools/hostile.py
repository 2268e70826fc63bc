#!/usr/bin/env python3
"""Hostile connections against a gateway, for bench/scenarios/hostile.sh: N threads, each running
one attack over and over until the time is up (a fresh connection each time the gateway closes
one), and a JSON summary of how the gateway answered. Attacks (not signed in):

  pings      ping frames as fast as the socket takes them, never reading
  fragments  one text message in endless empty continuation frames
  frames     60 KiB text frames as fast as possible
  idle       a TCP connection that never says anything (holds a handshake slot)
  tls        full TLS handshakes, one after another (wss:// only)

Usage: hostile.py HOST PORT ATTACKERS SECONDS [--tls] [--output FILE.json]
"""
import json
import signal
import socket
import ssl
import struct
import sys
import threading
import time

UPGRADE = (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


def frame(opcode, fin, payload):
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n <= 0xFFFF:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    return head + b"\0\0\0\0" + payload  # zero mask: the payload as it is


PINGS = frame(0x9, True, b"p" * 125) * 4096
FRAGMENTS = frame(0x0, False, b"") * 65536
FRAMES = frame(0x1, True, b"x" * (60 * 1024)) * 16


STOP = threading.Event()  # SIGTERM: finish and print the summary


def running(deadline):
    return time.monotonic() < deadline and not STOP.is_set()


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.connections = {}
        self.closed = {}
        self.close_ms = {}
        self.bytes_sent = {}

    def add(self, mode, closed, ms, sent):
        with self.lock:
            self.connections[mode] = self.connections.get(mode, 0) + 1
            self.bytes_sent[mode] = self.bytes_sent.get(mode, 0) + sent
            if closed:
                self.closed[mode] = self.closed.get(mode, 0) + 1
                self.close_ms.setdefault(mode, []).append(ms)


def connect(host, port, tls_context):
    raw = socket.create_connection((host, port), timeout=5)
    if tls_context is None:
        return raw
    return tls_context.wrap_socket(raw, server_hostname=None)


def upgraded(sock):
    sock.sendall(UPGRADE)
    got = b""
    while b"\r\n\r\n" not in got:
        chunk = sock.recv(4096)
        if not chunk:
            return False
        got += chunk
    return got.startswith(b"HTTP/1.1 101")


def flood(sock, payload, deadline):
    """Sends until the gateway closes the connection or time is up; returns (closed, bytes)."""
    sock.settimeout(0.2)
    sent = 0
    while running(deadline):
        try:
            sent += sock.send(payload)
        except socket.timeout:
            continue  # the gateway is not reading: go on pushing
        except (OSError, ssl.SSLError):
            return True, sent
    return False, sent


def attack(mode, host, port, tls_context, deadline, stats):
    while running(deadline):
        start = time.monotonic()
        closed, sent = False, 0
        try:
            if mode == "tls":
                sock = connect(host, port, tls_context)  # the handshake is the attack
                sock.close()
                stats.add(mode, False, 0, 0)
                continue
            if mode == "idle":
                sock = socket.create_connection((host, port), timeout=5)
                sock.settimeout(0.5)
                while running(deadline):
                    try:
                        closed = sock.recv(1) == b""
                        break
                    except socket.timeout:
                        continue
                    except OSError:
                        closed = True
                        break
                sock.close()
                stats.add(mode, closed, (time.monotonic() - start) * 1000, 0)
                continue
            sock = connect(host, port, tls_context)
            if not upgraded(sock):
                sock.close()
                stats.add(mode, True, (time.monotonic() - start) * 1000, 0)
                continue
            start = time.monotonic()
            if mode == "fragments":
                sock.sendall(frame(0x1, False, b"{"))  # the message's first fragment
            payload = {"pings": PINGS, "fragments": FRAGMENTS, "frames": FRAMES}[mode]
            closed, sent = flood(sock, payload, deadline)
            sock.close()
        except (OSError, ssl.SSLError):
            closed = True
        stats.add(mode, closed, (time.monotonic() - start) * 1000, sent)


def main():
    args = sys.argv[1:]
    use_tls = "--tls" in args
    output = None
    if "--output" in args:
        output = args[args.index("--output") + 1]
    host, port, attackers, seconds = args[0], int(args[1]), int(args[2]), float(args[3])
    tls_context = None
    modes = ["pings", "fragments", "frames", "idle"]
    if use_tls:
        tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        tls_context.check_hostname = False
        tls_context.verify_mode = ssl.CERT_NONE
        modes.append("tls")
    stats = Stats()
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=attack, args=(modes[i % len(modes)], host, port, tls_context, deadline, stats),
                                daemon=True) for i in range(attackers)]
    signal.signal(signal.SIGTERM, lambda *_: STOP.set())
    for t in threads:
        t.start()
    for t in threads:
        while t.is_alive():
            t.join(0.2)
    summary = {}
    for mode in modes:
        times = sorted(stats.close_ms.get(mode, []))
        summary[mode] = {
            "attackers": sum(1 for i in range(attackers) if modes[i % len(modes)] == mode),
            "connections": stats.connections.get(mode, 0),
            "closed_by_gateway": stats.closed.get(mode, 0),
            "close_ms_p50": round(times[len(times) // 2], 1) if times else None,
            "close_ms_max": round(times[-1], 1) if times else None,
            "mib_sent": round(stats.bytes_sent.get(mode, 0) / 2**20, 1),
        }
    text = json.dumps(summary, indent=1)
    if output:
        with open(output, "w") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    main()
