#!/usr/bin/env python3
"""Demo peers for screenshots and demos: registers users, makes them contacts of the main user,
puts each in a different status, sends a few messages, and keeps them live until killed.

Speaks docs/protocol.md over a minimal WebSocket client (standard library only).
Usage: demo_peers.py ws://127.0.0.1:PORT MAIN_USER PASSWORD
"""
import base64
import json
import os
import socket
import struct
import sys
import threading
import time
import urllib.parse


class Peer:
    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((u.hostname, u.port or 80), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET / HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            response += self.sock.recv(1)
        if b" 101 " not in response.split(b"\r\n")[0]:
            raise RuntimeError("handshake failed: " + response.decode(errors="replace"))
        self.lock = threading.Lock()

    def send(self, obj):
        data = json.dumps(obj).encode()
        mask = os.urandom(4)
        header = bytes([0x81])
        n = len(data)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        with self.lock:
            self.sock.sendall(header + mask + masked)

    def _read(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return buf

    def recv(self):
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(n)
            if b0 & 0x0F == 0x1:
                return json.loads(payload)
            if b0 & 0x0F == 0x8:
                raise EOFError

    def wait(self, kind):
        while True:
            m = self.recv()
            if m.get("type") == kind or m.get("type") == "error":
                return m


def sign_in(url, user, password):
    p = Peer(url)
    p.send({"type": "register", "v": 1, "user": user, "password": password, "device": "desktop"})
    m = p.wait("welcome")
    if m.get("type") == "error":  # exists already: sign in instead
        p = Peer(url)
        p.send({"type": "hello", "v": 1, "user": user, "password": password, "device": "desktop"})
        m = p.wait("welcome")
    if m.get("type") != "welcome":
        raise RuntimeError(f"{user}: {m}")
    return p


def main():
    url, main_user, password = sys.argv[1], sys.argv[2], sys.argv[3]
    me = sign_in(url, main_user, password)
    peers = {}
    for name, device in [("bob", "laptop"), ("carol", "desktop"), ("dave", "phone"), ("erin", "desktop"), ("frank", "web")]:
        p = sign_in(url, name, password)
        p.send({"type": "contact_add", "id": 1, "user": main_user})
        p.wait("ok")
        me.send({"type": "contact_accept", "id": 2, "user": name})
        me.wait("ok")
        peers[name] = p
    peers["carol"].send({"type": "heartbeat", "status": "idle"})
    peers["dave"].send({"type": "set_status", "id": 3, "mode": "dnd", "text": "in a meeting until 3"})
    peers["bob"].send({"type": "set_status", "id": 4, "text": "shipping the release"})
    for body in ["Morning! Did the build go green?", "The presence tests pass on both backends now.",
                 "Lunch at 12:30?"]:
        peers["bob"].send({"type": "send", "to": main_user, "cid": os.urandom(8).hex(), "body": body})
        time.sleep(0.05)
    me.send({"type": "send", "to": "bob", "cid": os.urandom(8).hex(), "body": "Yes, all green. Lunch sounds good."})
    peers["frank"].send({"type": "send", "to": main_user, "cid": os.urandom(8).hex(), "body": "ping me when you are back"})
    time.sleep(0.3)
    for gone in ["erin", "frank"]:  # offline, with "last seen"
        peers[gone].send({"type": "bye"})
        del peers[gone]
    me.send({"type": "bye"})
    print("ready", flush=True)
    live = list(peers.values())
    while True:  # keep them live
        for p in live:
            p.send({"type": "heartbeat", "status": "idle"} if p is peers["carol"] else {"type": "heartbeat"})
        time.sleep(2)


if __name__ == "__main__":
    main()
