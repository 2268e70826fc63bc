#!/usr/bin/env python3
"""One real protocol session against an installed server: register (or sign in again with the
same account after a restart), heartbeat and see the ack, then say bye. Exits non-zero on any
deviation. Usage: session_check.py ws://HOST:PORT register|hello|refused [USER] (refused: register
is answered forbidden, as on a server with registration closed; USER: packagecheck unless given)"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
from demo_peers import Peer  # noqa: E402

url, mode = sys.argv[1], sys.argv[2]
user = sys.argv[3] if len(sys.argv) > 3 else "packagecheck"
peer = Peer(url)
if mode == "refused":
    peer.send({"type": "register", "v": 1, "user": "stranger", "password": "installed and running"})
    answer = peer.wait("error")
    if answer.get("code") != "forbidden":
        sys.exit(f"register on a closed server: {answer}")
    print("register: refused (registration closed)")
    sys.exit(0)
peer.send({"type": mode, "v": 1, "user": user, "password": "installed and running", "device": "check"})
welcome = peer.wait("welcome")
if welcome.get("type") != "welcome" or welcome.get("user") != user:
    sys.exit(f"sign-in by {mode} failed: {welcome}")
peer.send({"type": "heartbeat", "status": "active"})
if peer.wait("heartbeat_ack").get("type") != "heartbeat_ack":
    sys.exit("no heartbeat_ack")
peer.send({"type": "bye"})
print(f"{mode}: signed in as {welcome['user']} on {welcome['server']}")
