"""A real reverse proxy for the identity tests, doing what oauth2-proxy does once a user has signed
in: it strips any user header the client sent, adds its own (and X-Forwarded-For), and relays the
request, websocket upgrades included, to the dashboard from a source address of its choosing (so
that the dashboard sees a listed, or an unlisted, proxy address on this one machine).

Requests are parsed just enough to rewrite their heads (Content-Length bodies are relayed as they
are); after an Upgrade the connection is relayed byte for byte both ways.
"""
from __future__ import annotations

import asyncio
import socket
import threading


class SigninProxy:
    def __init__(self, upstream_port: int, user: str, *, source: str = "127.0.0.2",
                 header: str = "X-Forwarded-User"):
        self.upstream_port, self.user, self.source, self.header = upstream_port, user, source, header
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self._sock = sock
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "SigninProxy":
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _close(self) -> None:
        self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, sock=self._sock))
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        client = writer.get_extra_info("peername")[0]
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port,
                                                                 local_addr=(self.source, 0))
        except OSError:
            writer.close()
            return
        back = asyncio.ensure_future(self._pipe(up_reader, writer))
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")[:-2]
                kept = [ln for ln in lines[1:] if ln.split(":", 1)[0].strip().lower()
                        not in (self.header.lower(), "x-forwarded-for")]
                out = [lines[0], *kept, f"{self.header}: {self.user}", f"X-Forwarded-For: {client}"]
                up_writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1"))
                length = next((int(ln.split(":", 1)[1]) for ln in kept
                               if ln.lower().startswith("content-length:")), 0)
                if length:
                    up_writer.write(await reader.readexactly(length))
                await up_writer.drain()
                if any(ln.lower().startswith("upgrade:") for ln in kept):
                    await self._pipe(reader, up_writer)
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            up_writer.close()
            back.cancel()
            await asyncio.gather(back, return_exceptions=True)
            writer.close()

    @staticmethod
    async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        try:
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()
        except ConnectionError:
            pass
        finally:
            try:
                dst.close()
            except RuntimeError:
                pass
