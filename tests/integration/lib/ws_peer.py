#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A WebSocket chat for the live tests, with Debian's python3-websockets
(permessage-deflate on by default, as browsers have it).

  ws_peer.py serve ADDRESS PORT LOG   every message received appended to LOG
                                      (one JSON line: the text and the
                                      extensions agreed); prints "ready"
  ws_peer.py send URL TEXT...         one connection, the texts sent one by
                                      one, each awaiting its echo; prints a
                                      JSON line: the texts echoed, the
                                      extensions, the error if one came"""
import asyncio
import json
import sys

import websockets


async def serve(address, port, log):
    async def chat(ws, path=None):
        ext = [e.name for e in ws.extensions]
        async for text in ws:
            with open(log, "a") as f:
                f.write(json.dumps({"text": text, "extensions": ext}) + "\n")
            await ws.send(text)

    async with websockets.serve(chat, address, int(port)):
        print("ready", flush=True)
        await asyncio.Future()


async def send(url, texts):
    out = {"echoed": [], "extensions": [], "error": None}
    try:
        async with websockets.connect(url, open_timeout=5, close_timeout=1) as ws:
            out["extensions"] = [e.name for e in ws.extensions]
            for text in texts:
                await ws.send(text)
                out["echoed"].append(await asyncio.wait_for(ws.recv(), 5))
    except Exception as e:  # a reset, a timeout: what the user would see
        out["error"] = "%s: %s" % (type(e).__name__, e)
    print(json.dumps(out), flush=True)


def main():
    if sys.argv[1] == "serve":
        asyncio.run(serve(*sys.argv[2:5]))
    else:
        asyncio.run(send(sys.argv[2], sys.argv[3:]))


if __name__ == "__main__":
    main()
