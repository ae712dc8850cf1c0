"""Who is at the page, and whether to believe it.

A team's sign-in proxy (oauth2-proxy, an nginx or Traefik auth proxy) signs a user in and passes the
name on in a request header (EVENTS_USER_HEADER, default X-Forwarded-User). Anyone who can reach the
dashboard's port can send that header too, so, as Grafana's auth proxy does with its whitelist, the
header is believed only on a connection that comes from an address the operator lists in
EVENTS_TRUSTED_PROXIES (addresses or CIDRs, comma-separated); from anywhere else it is ignored and
the attempt is logged.

With no proxy listed the dashboard is a one-person tool: the one local user, a connection from this
machine's loopback, acts as $EVENTS_USER, else as the account that runs the server. That default is
the command line's (events.storage.current_user), so an edit made on the page and a review made with
`python -m events event review` are the same person in the history, and the rule that nobody approves
their own change holds across both. Every other connection reads and cannot write.

The decision is a pure function of (headers, peer address, settings) so it can be tested without a
server; the page supplies the real TCP peer (dashboard.serve stops uvicorn from rewriting it from
X-Forwarded-For, which would let a local process claim to be the proxy).
"""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from events.errors import SettingError
from events.storage.base import Actor, current_actor

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

HEADER_SETTING = "EVENTS_USER_HEADER"
PROXIES_SETTING = "EVENTS_TRUSTED_PROXIES"
DEFAULT_HEADER = "X-Forwarded-User"
# dashboard.serve sets this to "" before uvicorn starts: then uvicorn trusts nobody's X-Forwarded-For
# and the peer address the page sees is the TCP peer's.
UVICORN_FORWARDED = "FORWARDED_ALLOW_IPS"
MAX_NAME = 200
# Headers that say a proxy relayed the request.
FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


@dataclass(frozen=True)
class Identity:
    """The person at the page (name None: nobody we can vouch for, so reading only)."""

    name: str | None
    via: str  # how we know, for the history: "X-Forwarded-User from 10.0.0.2", "EVENTS_USER, local connection"
    why_read_only: str = ""  # what the edit and review pages say when name is None
    warning: str = ""  # what the server log should say about this request (a header we ignored)

    @property
    def signed_in(self) -> bool:
        return self.name is not None

    @property
    def label(self) -> str:
        return f"signed in as {self.name}" if self.name is not None else "read-only (not signed in)"

    def actor(self) -> Actor:
        if self.name is None:
            raise SettingError(f"not signed in: {self.why_read_only}")
        return Actor(self.name, self.via)


def trusted_proxies(value: str | None) -> tuple[Network, ...]:
    """EVENTS_TRUSTED_PROXIES parsed; a wrong entry is an error that names it (trusting the wrong
    network silently is the mistake this setting exists to prevent)."""
    out = []
    for part in (value or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            out.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise SettingError(f"{PROXIES_SETTING}: {part!r} is not an address or a CIDR network "
                               "(e.g. 10.0.0.2 or 172.28.0.0/24)") from None
    return tuple(out)


def _address(peer: str | None):
    try:
        ip = ipaddress.ip_address((peer or "").split("%")[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _clean(name: str) -> str | None:
    name = name.strip()
    if not name or len(name) > MAX_NAME or any(ord(c) < 32 or ord(c) == 127 for c in name):
        return None
    return name


def identify(headers: Mapping[str, str] | Sequence[tuple[str, str]], peer: str | None, *,
             header: str = DEFAULT_HEADER, proxies: tuple[Network, ...] = (),
             forwarded_allow_ips: str | None = "", local_user: Callable[[], Actor] = current_actor) -> Identity:
    """Who the request is from. headers: every (name, value) of the request (a mapping loses
    repeats; a repeated user header is refused as ambiguous); peer: the TCP peer's address."""
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    values = [v for k, v in pairs if k.lower() == header.lower()]
    ip = _address(peer)
    where = peer or "an unknown address"
    if proxies:
        if forwarded_allow_ips != "":
            return Identity(None, "", "the dashboard was started without `python -m dashboard.serve`, so the "
                            "address of a connection may have been rewritten from X-Forwarded-For and cannot "
                            "be checked against EVENTS_TRUSTED_PROXIES: nobody can edit")
        if ip is None or not any(ip in net for net in proxies):
            warning = (f"ignored the {header} header from {where}: not in {PROXIES_SETTING}" if values else "")
            return Identity(None, "", f"this connection (from {where}) did not come through the team's sign-in "
                            "proxy: sign in through it to edit or review", warning)
        if len(values) != 1:
            return Identity(None, "", f"the sign-in proxy at {where} sent "
                            + ("no user name" if not values else f"{len(values)} {header} headers")
                            + ": sign in again to edit or review",
                            f"request from the proxy {where} with {len(values)} {header} headers")
        name = _clean(values[0])
        if name is None:
            return Identity(None, "", f"the sign-in proxy sent an unusable user name (empty, control characters "
                            f"or over {MAX_NAME} characters)", f"unusable {header} value from the proxy {where}")
        return Identity(name, f"{header} from {where}")
    warning = (f"ignored the {header} header from {where}: no {PROXIES_SETTING} is set" if values else "")
    forwarded = [k for k, _ in pairs if k.lower() in FORWARDING_HEADERS]
    if forwarded and ip is not None and ip.is_loopback:
        # A proxy on this machine that nobody listed: its users all arrive from loopback, and
        # must not all become the local user.
        return Identity(None, "", f"this connection came through a proxy on the server ({forwarded[0]}) that is "
                        f"not listed in {PROXIES_SETTING}: only the person at the server itself can edit",
                        f"request from {where} carries {forwarded[0]} but no {PROXIES_SETTING} is set: read-only")
    if ip is not None and ip.is_loopback:
        me = local_user()
        return Identity(me.name, f"{me.via} from {where}", warning=warning)
    return Identity(None, "", f"no sign-in proxy is set up ({PROXIES_SETTING}), so only the person at the server "
                    "itself (a connection from this machine) can edit and review; you are connected from "
                    f"{where}", warning)


def from_environment(headers, peer: str | None, env: Mapping[str, str] | None = None) -> Identity:
    """identify() with the settings read from the environment (the dashboard's way)."""
    env = os.environ if env is None else env
    return identify(headers, peer, header=env.get(HEADER_SETTING) or DEFAULT_HEADER,
                    proxies=trusted_proxies(env.get(PROXIES_SETTING)),
                    forwarded_allow_ips=env.get(UVICORN_FORWARDED),
                    local_user=lambda: current_actor("local connection to the dashboard"))
