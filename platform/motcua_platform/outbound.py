"""Addresses the platform is told to call by a province's settings (a national portal receiver, an identity
provider): never one inside the platform's own networks, where a setting could turn a worker or a sign-in
on the platform's own services."""

from __future__ import annotations

import ipaddress
import socket
import urllib.request


def internal_host(hostname: str) -> bool:
    """Whether ``hostname`` is, or resolves to, an address that is not on the public internet (loopback,
    private, shared, link-local, reserved, multicast, unspecified). A name that does not resolve now is not
    internal: the call will fail and say so. The name is resolved again when it is called (a name that
    changes its address in between is not caught here: an egress proxy is the complete answer)."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(hostname, None)}
    except (OSError, UnicodeError):
        return False
    # not global: loopback, private, link-local, reserved, shared (100.64.0.0/10), documentation ranges…
    return any(
        not (found := ipaddress.ip_address(address.split("%", 1)[0])).is_global
        or found.is_multicast
        or found.is_unspecified
        for address in addresses
    )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as the failure it is: urllib would follow a 301 or 302 with a GET and no body,
    to wherever it points (inside our networks too), and take that page's answer for the call's."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


# What every call to an address a province's settings name goes through (``OPENER.open(request, timeout=…)``).
OPENER = urllib.request.build_opener(_NoRedirects)
