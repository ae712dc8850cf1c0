"""Online geocoding fails soft: a real HTTP server on 127.0.0.1 that hangs, errs or talks nonsense."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from geodata.online import OnlineWithFallback


class Handler(BaseHTTPRequestHandler):
    mode = "ok"

    def do_GET(self):  # noqa: N802
        mode = type(self).mode
        if mode == "hang":
            time.sleep(3)
            return
        if mode == "500":
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"internal error")
            return
        if mode == "garbage":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"<html>this is not json{{{")
            return
        body = json.dumps([{"lat": "47.98", "lon": "37.28", "display_name": "Kurakhove, Donetsk Oblast, Ukraine",
                            "osm_type": "node", "osm_id": 123, "place_id": 1}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    class H(Handler):
        pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield httpd, H
    httpd.shutdown()
    httpd.server_close()


def make(httpd, tmp_path):
    host, port = httpd.server_address
    return OnlineWithFallback(domain=f"{host}:{port}", scheme="http", timeout=0.5, min_delay_seconds=0,
                              cache_path=tmp_path / "cache.json")


@pytest.mark.parametrize("mode, reason", [("hang", "GeocoderTimedOut"), ("500", "GeocoderServiceError"),
                                          ("garbage", "GeocoderParseError")])
def test_failure_falls_back_to_the_gazetteer_and_says_so(server, tmp_path, mode, reason):
    httpd, handler = server
    handler.mode = mode
    loc = make(httpd, tmp_path).geocode("Kotovsk", country="RU")
    assert loc.raw["source"] == "geonames:543605"
    assert reason in loc.raw["fallback"] and "offline gazetteer" in loc.raw["fallback"]


def test_no_server_at_all_falls_back(tmp_path):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now: connection refused
    geo = OnlineWithFallback(domain=f"127.0.0.1:{port}", scheme="http", timeout=0.5, min_delay_seconds=0,
                             cache_path=tmp_path / "c.json")
    loc = geo.geocode("Kurakhove")
    assert loc.raw["source"] == "geonames:695357" and "fallback" in loc.raw


def test_success_is_cached_on_disk(server, tmp_path):
    httpd, handler = server
    handler.mode = "ok"
    geo = make(httpd, tmp_path)
    loc = geo.geocode("Kurakhove", country="UA")
    assert loc.raw["source"] == "nominatim:node/123" and "fallback" not in loc.raw
    handler.mode = "500"  # the cache answers now; the server is not asked
    again = make(httpd, tmp_path).geocode("Kurakhove", country="UA")
    assert again.raw["source"] == "nominatim:node/123"
    assert json.loads((tmp_path / "cache.json").read_text())


def test_online_is_off_unless_asked(monkeypatch):
    from geodata.online import online_enabled

    monkeypatch.delenv("GEODATA_ONLINE", raising=False)
    assert not online_enabled()
    monkeypatch.setenv("GEODATA_ONLINE", "1")
    assert online_enabled()
