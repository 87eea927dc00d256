"""Delivery targets behind one interface, chosen by the DISTRIBUTORS setting."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from releases.distributors.base import DeliveryError, Distributor, Marker, Package, PackageFile, Session
from releases.distributors.https import HttpsDistributor
from releases.distributors.ipfs import IpfsDistributor
from releases.distributors.outbox import OutboxDistributor
from releases.distributors.sftp import SftpDistributor

REGISTRY: dict[str, type[Distributor]] = {
    "outbox": OutboxDistributor,
    "sftp": SftpDistributor,
    "https": HttpsDistributor,
    "ipfs": IpfsDistributor,
}

__all__ = [
    "REGISTRY",
    "DeliveryError",
    "Distributor",
    "Marker",
    "Package",
    "PackageFile",
    "Session",
    "get_distributor",
]


def get_distributor(name: str) -> Distributor:
    """The configured distributor; a missing credential raises ImproperlyConfigured naming it."""
    try:
        cls = REGISTRY[name]
    except KeyError as exc:
        raise ImproperlyConfigured(f"DISTRIBUTORS names {name!r}; known distributors: {', '.join(REGISTRY)}.") from exc
    return cls()
