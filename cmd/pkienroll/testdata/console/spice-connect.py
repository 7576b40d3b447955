#!/usr/bin/python3
"""spice-connect.py: a real SPICE client (spice-gtk's SpiceClientGLib),
headless, for the console tests. It opens a session as remote-viewer does
from a console file and waits until the main and display channels are
open, then prints "opened main display" and exits 0. A channel error
prints "error CHANNEL EVENT" and exits 1; no channels within --timeout
exits 2.

Usage: spice-connect.py --host H [--port P] [--tls-port T --ca FILE
       --host-subject SUBJECT] [--proxy URI] [--timeout SECONDS]
"""
import argparse
import sys

import gi

gi.require_version("SpiceClientGLib", "2.0")
from gi.repository import GLib, GObject, SpiceClientGLib  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--port")
    ap.add_argument("--tls-port")
    ap.add_argument("--ca")
    ap.add_argument("--host-subject")
    ap.add_argument("--proxy")
    ap.add_argument("--timeout", type=float, default=20)
    a = ap.parse_args()

    s = SpiceClientGLib.Session()
    s.set_property("host", a.host)
    if a.port:
        s.set_property("port", a.port)
    if a.tls_port:
        s.set_property("tls-port", a.tls_port)
        # secure-channels=all in the console file: nothing in the clear.
        s.set_property("secure-channels", ["all"])
    if a.ca:
        s.set_property("ca-file", a.ca)
    if a.host_subject:
        s.set_property("cert-subject", a.host_subject)
    if a.proxy:
        s.set_property("proxy", a.proxy)

    loop = GLib.MainLoop()
    state = {"opened": set(), "code": 2}
    want = {"main", "display"}

    def kind(ch):
        if isinstance(ch, SpiceClientGLib.MainChannel):
            return "main"
        if isinstance(ch, SpiceClientGLib.DisplayChannel):
            return "display"
        return type(ch).__name__

    # Channels still in their TLS handshake when the client leaves crash
    # Debian 12's qemu (spice-server 0.15.1 segfaults after "SSL_accept
    # failed"): leave once every channel the session made is open, or
    # after a grace period.
    pending = set()

    def leave():
        print("opened main display", flush=True)
        state["code"] = 0
        loop.quit()
        return False

    def on_event(ch, event):
        k = kind(ch)
        pending.discard(ch)
        if event == SpiceClientGLib.ChannelEvent.OPENED:
            state["opened"].add(k)
            if want <= state["opened"] and not state.get("leaving"):
                state["leaving"] = GLib.timeout_add(3000, leave)
            if want <= state["opened"] and not pending:
                leave()
        elif event != SpiceClientGLib.ChannelEvent.CLOSED or k in want:
            print("error %s %s" % (k, event.value_nick), flush=True)
            state["code"] = 1
            loop.quit()

    def on_channel(session, ch):
        pending.add(ch)
        # Session and Channel have their own connect(): signals go
        # through GObject's.
        GObject.Object.connect(ch, "channel-event", on_event)
        if not isinstance(ch, SpiceClientGLib.MainChannel):
            ch.connect()

    def on_timeout():
        print("timeout: opened %s" % sorted(state["opened"]), flush=True)
        loop.quit()
        return False

    GObject.Object.connect(s, "channel-new", on_channel)
    GLib.timeout_add(int(a.timeout * 1000), on_timeout)
    if not s.connect():
        print("error session connect", flush=True)
        return 1
    loop.run()
    s.disconnect()
    return state["code"]


if __name__ == "__main__":
    sys.exit(main())
