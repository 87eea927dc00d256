"""Release services: packaging (with QC), identifiers, delivery. Import from here."""

from releases.services.delivery import (
    release_can_redeliver,
    release_deliver,
    release_package_files,
    release_redeliver,
    release_redeliver_refusal,
)
from releases.services.identifiers import isrc_validate, release_identifiers_assign, upc_validate
from releases.services.packaging import release_package

__all__ = [
    "isrc_validate",
    "release_can_redeliver",
    "release_deliver",
    "release_identifiers_assign",
    "release_package",
    "release_package_files",
    "release_redeliver",
    "release_redeliver_refusal",
    "upc_validate",
]
