#!/usr/bin/env python3
"""Minimal kobertd client (stdlib only): proves the protocol is language-neutral.

Frames are a 4-byte big-endian length followed by UTF-8 JSON (JSON-RPC 2.0); see PROTOCOL.md.

    python3 Tools/client.py --socket ./kobertd.sock nsmc "정말 재미있다" "지루했다"
    python3 Tools/client.py health
    python3 Tools/client.py --raw '{"jsonrpc":"2.0","id":1,"method":"info"}'
    python3 Tools/client.py qa --question "누가?" --context "이순신이 싸웠다"
"""
import argparse
import json
import os
import socket
import struct
import sys


class KobertdError(Exception):
    def __init__(self, error):
        super().__init__(f"error {error.get('code')}: {error.get('message')}")
        self.error = error


class Client:
    def __init__(self, path, timeout=30.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.next_id = 1

    def send(self, message):
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        self.sock.sendall(struct.pack(">I", len(body)) + body)

    def _read_exact(self, n):
        data = bytearray()
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("kobertd closed the connection")
            data += chunk
        return bytes(data)

    def receive(self):
        (length,) = struct.unpack(">I", self._read_exact(4))
        return json.loads(self._read_exact(length).decode("utf-8"))

    def call(self, method, params=None):
        request_id = self.next_id
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        response = self.receive()
        if response.get("id") != request_id:
            raise ConnectionError(f"response id {response.get('id')!r} does not match request {request_id}")
        if "error" in response:
            raise KobertdError(response["error"])
        return response["result"]

    def close(self):
        self.sock.close()


def default_socket():
    for variable in ("RUNTIME_DIRECTORY", "XDG_RUNTIME_DIR"):
        if os.environ.get(variable):
            return os.path.join(os.environ[variable].split(":")[0], "kobertd.sock")
    return "./kobertd.sock"


def main(argv=None):
    parser = argparse.ArgumentParser(description="kobertd client (JSON-RPC 2.0 over a Unix socket)")
    parser.add_argument("--socket", default=default_socket())
    parser.add_argument("--raw", help="send this JSON message as is and print the reply")
    parser.add_argument("--question")
    parser.add_argument("--context")
    parser.add_argument("--pooling", choices=["cls", "mean"])
    parser.add_argument("method", nargs="?", default="health")
    parser.add_argument("texts", nargs="*", help="texts (default: stdin, one per line)")
    args = parser.parse_args(argv)

    client = Client(args.socket)
    try:
        if args.raw:
            client.send(json.loads(args.raw))
            print(json.dumps(client.receive(), ensure_ascii=False, sort_keys=True))
            return 0
        if args.method in ("health", "info", "stats"):
            params = None
        elif args.method == "qa":
            params = {"question": args.question or "", "context": args.context or ""}
        else:
            texts = args.texts or [line.rstrip("\n") for line in sys.stdin if line.strip()]
            params = {"texts": texts}
            if args.pooling:
                params["pooling"] = args.pooling
        print(json.dumps(client.call(args.method, params), ensure_ascii=False, sort_keys=True))
        return 0
    except KobertdError as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
