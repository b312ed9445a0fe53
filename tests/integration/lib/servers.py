#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Test servers for the live-agent tests, run inside the server namespace.

HTTPS (certificate for every test name), plain HTTP and SMTP (with
STARTTLS) on the given address. GET answers "hello <Host>"; POST stores the
body it received under --upload-dir (one file per request, named by a
counter) and answers with the byte count; a mail is stored the same way once
its end of data has arrived, so a test can check what reached the server,
byte for byte.
"""
import argparse
import http.server
import os
import socket
import socketserver
import ssl
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    # A client whose bytes the agent dropped never finishes: let it go.
    timeout = 10
    upload_dir = "."
    prefix = "upload"
    counter = 0
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = ("hello %s\n" % self.headers.get("Host", "")).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        data = b""
        while len(data) < length:
            chunk = self.rfile.read(length - len(data))
            if not chunk:
                break
            data += chunk
        store(data, "post")
        body = ("%d\n" % len(data)).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def store(data, kind):
    """Keep what a client delivered, one file per message, numbered in arrival order."""
    with Handler.lock:
        Handler.counter += 1
        name = os.path.join(Handler.upload_dir,
                            "%s-%04d" % (Handler.prefix, Handler.counter))
    with open(name + "." + kind, "wb") as f:
        f.write(data)


class MailHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321, STARTTLS per RFC 3207) to accept mail."""
    timeout = 10
    tls_context = None

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        self.reply("220 mail.test ESMTP")
        while True:
            line = self.rfile.readline(1024)
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.reply("250-mail.test\r\n250 STARTTLS")
            elif line.strip().upper() == b"STARTTLS":
                self.reply("220 go ahead")
                self.request = self.tls_context.wrap_socket(self.request, server_side=True)
                self.rfile = self.request.makefile("rb")
                self.wfile = self.request.makefile("wb")
            elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                self.reply("250 ok")
            elif verb == b"DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    chunk = self.rfile.readline(65536)
                    if not chunk:
                        return  # cut off before the end: the mail is not accepted
                    data += chunk
                store(data[:-3], "mail")
                self.reply("250 accepted")
            elif verb == b"QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class MailServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--upload-dir", required=True)
    ap.add_argument("--tls-port", type=int, default=443)
    ap.add_argument("--http-port", type=int, default=80)
    ap.add_argument("--smtp-port", type=int, default=25)
    args = ap.parse_args()
    Handler.upload_dir = args.upload_dir
    if ":" in args.address:
        # Files of an IPv6 instance sort after an IPv4 one's in the same directory.
        Server.address_family = socket.AF_INET6
        Handler.prefix = "upload6"

    tls = Server((args.address, args.tls_port), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    # The handshake in each connection's own thread (on its first read): done
    # in accept(), one connection whose hello never came would stall the rest.
    tls.socket = ctx.wrap_socket(tls.socket, server_side=True, do_handshake_on_connect=False)
    plain = Server((args.address, args.http_port), Handler)
    threading.Thread(target=plain.serve_forever, daemon=True).start()
    MailHandler.tls_context = ctx
    MailServer.address_family = Server.address_family
    mail = MailServer((args.address, args.smtp_port), MailHandler)
    threading.Thread(target=mail.serve_forever, daemon=True).start()
    print("ready", flush=True)
    tls.serve_forever()


if __name__ == "__main__":
    main()
