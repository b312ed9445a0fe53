#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A plain HTTPS file server that requires a client certificate (mutual TLS)
and answers conditional requests: what a web server or CDN serving policy
bundles to an estate does. Serves DIR/<name>; the ETag is a hash of the bytes;
If-None-Match -> 304. Each request is logged as one JSON line to LOG."""
import hashlib
import http.server
import json
import os
import ssl
import sys

addr, port, root, cert, key, client_ca, log = sys.argv[1:8]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = os.path.join(root, os.path.basename(self.path))
        inm = self.headers.get("If-None-Match")
        try:
            with open(path, "rb") as f:
                body = f.read()
        except OSError:
            status, body, etag = 404, b"", None
        else:
            etag = '"%s"' % hashlib.sha256(body).hexdigest()[:24]
            status = 304 if inm == etag else 200
        with open(log, "a") as f:
            f.write(json.dumps({"path": self.path, "if_none_match": inm, "status": status,
                                "client": self.connection.getpeercert().get("subject")}) + "\n")
        self.send_response(status)
        if etag:
            self.send_header("ETag", etag)
        if status == 200:
            self.send_header("Content-Type", "application/x-tar")
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status == 200:
            self.wfile.write(body)

    def log_message(self, *args):
        pass


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_2
ctx.load_cert_chain(cert, key)
ctx.load_verify_locations(client_ca)
ctx.verify_mode = ssl.CERT_REQUIRED
srv = http.server.HTTPServer((addr, int(port)), Handler)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("listening", flush=True)
srv.serve_forever()
