#!/usr/bin/env python3
"""A fault-injecting HTTP proxy between txrelay's workers and a real node (test code).

Forwards JSON-RPC over HTTP/1.1 (keep-alive) to the upstream node and, on command, injects the
faults of DESIGN §6 into requests that match a JSON-RPC method:

  pass              forward (default)
  refuse            close the listening socket: new connections are refused
  delay             forward, then hold the answer for delay_ms (past the client's read timeout)
  reset_after_send  forward (the node processes the request), then reset the connection unanswered
  http_429          answer 429 without forwarding
  http_500          answer 500 without forwarding
  http_500_after    forward (the node processes it), then answer 500
  garbage           answer 200 with a body that is not JSON-RPC
  blackhole         swallow the request: no forward, no answer (the client times out; nothing happened)
  tamper_sign       forward with the first eth_signTransaction call's value raised by 1 wei: the
                    signer then signs something other than what was asked
  receipt_fields    forward, then add the rule's "fields" to every receipt in the answer (an OP-stack
                    node's l1Fee and operator fee fields on a real anvil's receipts)

Control API on a second port:  POST /mode {"mode": ..., "method": "eth_sendRawTransaction",
"count": 1, "delay_ms": 2000}  (count: how many matching requests, then back to pass; method
null matches every request)  ·  GET /stats (counts, the paths and Authorization headers seen)  ·  POST /reset.
Usage: fault_proxy.py LISTEN_PORT CONTROL_PORT UPSTREAM_URL   (binds 127.0.0.1 only)
"""
import asyncio
import json
import socket
import struct
import sys
import urllib.parse

HOST = "127.0.0.1"


class Proxy:
    def __init__(self, listen_port, upstream):
        self.listen_port = listen_port
        u = urllib.parse.urlparse(upstream)
        self.up_host, self.up_port, self.up_path = u.hostname, u.port or 80, u.path or "/"
        self.server = None
        self.rule = {"mode": "pass"}
        self.stats = {"requests": 0, "injected": {}, "forwarded": 0}

    # --- rules ---------------------------------------------------------------------------------
    def set_rule(self, rule):
        self.rule = {"mode": rule.get("mode", "pass"), "method": rule.get("method"),
                     "count": rule.get("count"), "delay_ms": rule.get("delay_ms", 2000),
                     "fields": rule.get("fields", {})}

    def take(self, body):
        """The fault for this request and its delay, consuming one count; 'pass' when none applies."""
        mode = self.rule["mode"]
        delay_s = self.rule.get("delay_ms", 2000) / 1000.0
        if mode in ("pass", "refuse"):
            return "pass", 0
        method = self.rule.get("method")
        if method is not None:
            try:
                parsed = json.loads(body or b"null")
                calls = parsed if isinstance(parsed, list) else [parsed]
                if not any(isinstance(c, dict) and c.get("method") == method for c in calls):
                    return "pass", 0
            except ValueError:
                return "pass", 0
        count = self.rule.get("count")
        if count is not None:
            if count <= 0:
                return "pass", 0
            self.rule["count"] = count - 1
            if self.rule["count"] == 0:
                self.rule = {"mode": "pass"}
        self.stats["injected"][mode] = self.stats["injected"].get(mode, 0) + 1
        return mode, delay_s

    # --- listening -----------------------------------------------------------------------------
    async def start(self):
        self.server = await asyncio.start_server(self.handle, HOST, self.listen_port)

    async def stop_listening(self):
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None

    async def apply(self, rule):
        self.set_rule(rule)
        if self.rule["mode"] == "refuse":
            await self.stop_listening()
        elif self.server is None:
            await self.start()

    # --- HTTP ----------------------------------------------------------------------------------
    async def read_request(self, reader):
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        length = int(headers.get("content-length", "0"))
        body = await reader.readexactly(length) if length else b""
        return lines[0], headers, body

    async def forward(self, body, headers):
        reader, writer = await asyncio.open_connection(self.up_host, self.up_port)
        try:
            req = (f"POST {self.up_path} HTTP/1.1\r\nHost: {self.up_host}:{self.up_port}\r\n"
                   f"Content-Type: {headers.get('content-type', 'application/json')}\r\n"
                   f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
            writer.write(req)
            await writer.drain()
            status_line = (await reader.readline()).decode("latin-1")
            status = int(status_line.split()[1])
            length, chunked = None, False
            while True:
                line = (await reader.readline()).decode("latin-1").strip()
                if not line:
                    break
                k, _, v = line.partition(":")
                if k.lower() == "content-length":
                    length = int(v.strip())
                if k.lower() == "transfer-encoding" and "chunked" in v.lower():
                    chunked = True  # Hardhat answers chunked
            if chunked:
                data = await self.read_chunked(reader)
            else:
                data = await reader.readexactly(length) if length is not None else await reader.read()
            self.stats["forwarded"] += 1
            return status, data
        finally:
            writer.close()

    @staticmethod
    async def read_chunked(reader):
        data = b""
        while True:
            size = int((await reader.readline()).split(b";")[0].strip(), 16)
            if size == 0:
                await reader.readline()  # the empty line after the last chunk (no trailers)
                return data
            data += await reader.readexactly(size)
            await reader.readline()

    @staticmethod
    def response(status, body, reason="OK"):
        return (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n").encode() + body

    @staticmethod
    def add_receipt_fields(data, fields):
        """The answer with `fields` added to each receipt (an object with gasUsed) in it."""
        try:
            parsed = json.loads(data)
        except ValueError:
            return data
        def add(result):
            items = result if isinstance(result, list) else [result]
            for r in items:
                if isinstance(r, dict) and "gasUsed" in r and "transactionHash" in r:
                    r.update(fields)
        for reply in parsed if isinstance(parsed, list) else [parsed]:
            if isinstance(reply, dict) and reply.get("result") is not None:
                add(reply["result"])
        return json.dumps(parsed).encode()

    @staticmethod
    def tamper_value(body):
        """The request with the first eth_signTransaction call's value raised by 1 wei."""
        parsed = json.loads(body)
        for call in parsed if isinstance(parsed, list) else [parsed]:
            if isinstance(call, dict) and call.get("method") == "eth_signTransaction":
                tx = call["params"][0]
                tx["value"] = hex(int(tx.get("value", "0x0"), 16) + 1)
                break
        return json.dumps(parsed).encode()

    async def handle(self, reader, writer):
        try:
            while True:
                try:
                    request_line, headers, body = await self.read_request(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                self.stats["requests"] += 1
                # What arrived (paths and Authorization headers, first 50 of each), so a test can
                # see that a secret reference was replaced on the way.
                for key, value in (("paths", request_line.split(" ")[1] if " " in request_line else ""),
                                   ("authorizations", headers.get("authorization", ""))):
                    seen = self.stats.setdefault(key, {})
                    if value in seen or len(seen) < 50:
                        seen[value] = seen.get(value, 0) + 1
                fault, delay_s = self.take(body)
                if fault == "blackhole":
                    await asyncio.sleep(3600)
                    return
                if fault == "http_429":
                    writer.write(self.response(429, b'{"error":"rate limited"}', "Too Many Requests"))
                elif fault == "http_500":
                    writer.write(self.response(500, b"internal error", "Internal Server Error"))
                elif fault == "garbage":
                    writer.write(self.response(200, b"<html>this is not JSON-RPC</html>"))
                else:
                    if fault == "tamper_sign":
                        body = self.tamper_value(body)
                    status, data = await self.forward(body, headers)
                    if fault == "reset_after_send":
                        sock = writer.get_extra_info("socket")
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        writer.transport.abort()  # RST, no answer
                        return
                    if fault == "delay":
                        await asyncio.sleep(delay_s)
                    if fault == "receipt_fields":
                        data = self.add_receipt_fields(data, self.rule.get("fields", {}))
                    if fault == "http_500_after":
                        writer.write(self.response(500, b"internal error after processing", "Internal Server Error"))
                    else:
                        writer.write(self.response(status, data))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass


async def control(proxy, control_port):
    async def handle(reader, writer):
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode().split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            length = 0
            for line in lines[1:]:
                if line.lower().startswith("content-length:"):
                    length = int(line.split(":", 1)[1])
            body = await reader.readexactly(length) if length else b""
            if method == "POST" and path == "/mode":
                await proxy.apply(json.loads(body or b"{}"))
                out = {"ok": True, "rule": proxy.rule}
            elif method == "POST" and path == "/reset":
                await proxy.apply({"mode": "pass"})
                proxy.stats = {"requests": 0, "injected": {}, "forwarded": 0}
                out = {"ok": True}
            else:
                out = {"rule": proxy.rule, "stats": proxy.stats, "listening": proxy.server is not None}
            data = json.dumps(out).encode()
            writer.write(Proxy.response(200, data))
            await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_server(handle, HOST, control_port)
    async with server:
        await server.serve_forever()


async def main():
    listen_port, control_port, upstream = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    proxy = Proxy(listen_port, upstream)
    await proxy.start()
    await control(proxy, control_port)


if __name__ == "__main__":
    asyncio.run(main())
