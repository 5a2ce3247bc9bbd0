"""Addresses the platform is told to call by a province's settings (a national portal receiver, an identity
provider): never one inside the platform's own networks, where a setting could turn a worker or a sign-in
on the platform's own services."""

from __future__ import annotations

import ipaddress
import socket


def internal_host(hostname: str) -> bool:
    """Whether ``hostname`` is, or resolves to, an address inside our own networks (loopback, private,
    link-local, reserved, multicast, unspecified). A name that does not resolve now is not internal: the
    call will fail and say so."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(hostname, None)}
    except (OSError, UnicodeError):
        return False
    return any(
        (found := ipaddress.ip_address(address.split("%", 1)[0])).is_private
        or found.is_loopback
        or found.is_link_local
        or found.is_reserved
        or found.is_multicast
        or found.is_unspecified
        for address in addresses
    )
