"""python -m dashboard.serve [streamlit options]: the dashboard, with the store loaded in the
background as soon as the server starts (Streamlit has no start-up hook; this is it).

Everything after the module name goes to `streamlit run app.py` unchanged
(--server.port, --server.address, ...). A failure while warming is only logged: the first
page loads the store itself then, and shows any problem as usual.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import time
from pathlib import Path

from events.wording import counted

APP = Path(__file__).resolve().parent.parent / "app.py"


class _QuietWarmUp(logging.Filter):
    """Streamlit warns "missing ScriptRunContext" when a cached function runs outside a page, which
    is the whole point of the warm-up thread: drop that one message for that one thread, so the log
    has no warning a newcomer must learn to ignore."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not ("missing ScriptRunContext" in record.getMessage() and "warm-store" in record.getMessage())


def _warm() -> None:
    t = time.perf_counter()
    try:
        from dashboard.data import warm

        n = warm()
        print(f"event store loaded in the background: {counted(n, 'event')} in {time.perf_counter() - t:.1f} s", flush=True)
    except Exception:  # noqa: BLE001 - the page will load (and report) it itself
        logging.getLogger(__name__).exception("background load of the store failed")


def main(argv: list[str] | None = None) -> None:
    from dashboard.identity import PROXIES_SETTING, UVICORN_FORWARDED, SettingError, trusted_proxies

    try:
        proxies = trusted_proxies(os.environ.get(PROXIES_SETTING))
    except SettingError as exc:
        sys.exit(f"dashboard: {exc}")
    # The page judges the sign-in header by the TCP peer's address; uvicorn would otherwise replace
    # that address with X-Forwarded-For's for connections from loopback, which any local process
    # (or a proxy's client) could then choose.
    os.environ[UVICORN_FORWARDED] = ""
    print("sign-in: " + (f"the {os.environ.get('EVENTS_USER_HEADER') or 'X-Forwarded-User'} header is believed "
                         f"from {', '.join(map(str, proxies))}" if proxies else
                         "no EVENTS_TRUSTED_PROXIES: only connections from this machine can edit"), flush=True)
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_QuietWarmUp())
    threading.Thread(target=_warm, name="warm-store", daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
