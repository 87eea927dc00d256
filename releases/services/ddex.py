"""A DDEX ERN 4.3-style NewReleaseMessage for a single, and the check of its required parts.

The message follows ERN 4's flat layout (MessageHeader, PartyList, ResourceList, ReleaseList,
DealList; references P…, A…, R…, T…). It is not validated against the DDEX XSD (not
redistributable); `ddex_missing` checks the elements a recipient needs and that every
reference resolves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from lxml import etree
from stdnum import ean, isrc

ERN_NAMESPACE = "http://ddex.net/xml/ern/43"
XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{ERN_NAMESPACE} http://service.ddex.net/xml/ern/43/release-notification.xsd"
_DURATION_RE = re.compile(r"^PT(\d+H)?(\d+M)?(\d+(\.\d+)?S)?$")

# Paths (below the root) that must exist with text.
REQUIRED_PATHS = [
    "MessageHeader/MessageThreadId",
    "MessageHeader/MessageId",
    "MessageHeader/MessageSender/PartyName/FullName",
    "MessageHeader/MessageRecipient/PartyName/FullName",
    "MessageHeader/MessageCreatedDateTime",
    "PartyList/Party/PartyReference",
    "PartyList/Party/PartyName/FullName",
    "ResourceList/SoundRecording/ResourceReference",
    "ResourceList/SoundRecording/Type",
    "ResourceList/SoundRecording/ResourceId/ISRC",
    "ResourceList/SoundRecording/DisplayTitleText",
    "ResourceList/SoundRecording/DisplayTitle/TitleText",
    "ResourceList/SoundRecording/DisplayArtistName",
    "ResourceList/SoundRecording/DisplayArtist/ArtistPartyReference",
    "ResourceList/SoundRecording/DisplayArtist/DisplayArtistRole",
    "ResourceList/SoundRecording/Duration",
    "ResourceList/SoundRecording/ParentalWarningType",
    "ResourceList/Image/ResourceReference",
    "ResourceList/Image/Type",
    "ReleaseList/Release/ReleaseReference",
    "ReleaseList/Release/ReleaseType",
    "ReleaseList/Release/ReleaseId/ICPN",
    "ReleaseList/Release/DisplayTitleText",
    "ReleaseList/Release/DisplayArtistName",
    "ReleaseList/Release/ReleaseLabelReference",
    "ReleaseList/Release/Genre/GenreText",
    "ReleaseList/Release/ParentalWarningType",
    "ReleaseList/Release/ResourceGroup/ResourceGroupContentItem/ReleaseResourceReference",
    "DealList/ReleaseDeal/DealReleaseReference",
    "DealList/ReleaseDeal/Deal/DealTerms/TerritoryCode",
    "DealList/ReleaseDeal/Deal/DealTerms/ValidityPeriod/StartDate",
    "DealList/ReleaseDeal/Deal/DealTerms/CommercialModelType",
    "DealList/ReleaseDeal/Deal/DealTerms/UseType",
]


@dataclass(frozen=True)
class DdexFile:
    """A file the message points at (relative URI) with its SHA-256."""

    uri: str
    sha256: str


@dataclass(frozen=True)
class DdexRelease:
    message_id: str
    created_at: datetime
    sender_dpid: str
    sender_name: str
    recipient_dpid: str
    recipient_name: str
    artist_name: str
    label_name: str
    title: str
    genre: str
    isrc: str
    upc: str
    duration_seconds: float
    release_date: date
    territories: list[str]
    audio: DdexFile
    cover: DdexFile
    cover_size: int


def iso_duration(seconds: float) -> str:
    """ISO 8601 duration as DDEX writes it: PT3M30S."""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"PT{hours}H{minutes}M{secs}S" if hours else f"PT{minutes}M{secs}S"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, tag, **attrs)
    if text is not None:
        element.text = text
    return element


def _party_id(parent: etree._Element, tag: str, dpid: str, name: str) -> None:
    party = _sub(parent, tag)
    if dpid:
        _sub(party, "PartyId", dpid)
    _sub(_sub(party, "PartyName"), "FullName", name)


def _display_artist(parent: etree._Element) -> None:
    artist = _sub(parent, "DisplayArtist", SequenceNumber="1")
    _sub(artist, "ArtistPartyReference", "PMainArtist")
    _sub(artist, "DisplayArtistRole", "MainArtist")


def _file(parent: etree._Element, file: DdexFile) -> None:
    node = _sub(parent, "File")
    _sub(node, "URI", file.uri)
    hashsum = _sub(node, "HashSum")
    _sub(hashsum, "Algorithm", "SHA256")
    _sub(hashsum, "HashSumValue", file.sha256)


def ddex_build(data: DdexRelease) -> bytes:
    """The NewReleaseMessage as UTF-8 XML bytes."""
    year = str(data.release_date.year)
    root = etree.Element(
        f"{{{ERN_NAMESPACE}}}NewReleaseMessage",
        nsmap={"ern": ERN_NAMESPACE, "xsi": XSI_NAMESPACE},
        attrib={
            f"{{{XSI_NAMESPACE}}}schemaLocation": SCHEMA_LOCATION,
            "AvsVersionId": "4.3",
            "LanguageAndScriptCode": "en",
        },
    )
    header = _sub(root, "MessageHeader")
    _sub(header, "MessageThreadId", data.message_id)
    _sub(header, "MessageId", data.message_id)
    _party_id(header, "MessageSender", data.sender_dpid, data.sender_name)
    _party_id(header, "MessageRecipient", data.recipient_dpid, data.recipient_name)
    _sub(header, "MessageCreatedDateTime", data.created_at.isoformat(timespec="seconds"))
    _sub(header, "MessageControlType", "LiveMessage")

    parties = _sub(root, "PartyList")
    for reference, name in (("PMainArtist", data.artist_name), ("PLabel", data.label_name)):
        party = _sub(parties, "Party")
        _sub(party, "PartyReference", reference)
        _sub(_sub(party, "PartyName"), "FullName", name)

    resources = _sub(root, "ResourceList")
    recording = _sub(resources, "SoundRecording")
    _sub(recording, "ResourceReference", "A1")
    _sub(recording, "Type", "MusicalWorkSoundRecording")
    _sub(_sub(recording, "ResourceId"), "ISRC", data.isrc)
    _sub(recording, "DisplayTitleText", data.title)
    _sub(_sub(recording, "DisplayTitle"), "TitleText", data.title)
    _sub(recording, "DisplayArtistName", data.artist_name)
    _display_artist(recording)
    pline = _sub(recording, "PLine")
    _sub(pline, "Year", year)
    _sub(pline, "PLineText", f"(P) {year} {data.label_name}")
    _sub(recording, "Duration", iso_duration(data.duration_seconds))
    _sub(recording, "ParentalWarningType", "NotExplicit")
    audio_details = _sub(recording, "TechnicalDetails")
    _sub(audio_details, "TechnicalResourceDetailsReference", "T1")
    _sub(audio_details, "AudioCodecType", "PCM")
    _sub(audio_details, "NumberOfChannels", "2")
    _sub(audio_details, "SamplingRate", "44.1", UnitOfMeasure="kHz")
    _sub(audio_details, "BitsPerSample", "16")
    _file(audio_details, data.audio)

    image = _sub(resources, "Image")
    _sub(image, "ResourceReference", "A2")
    _sub(image, "Type", "FrontCoverImage")
    _sub(_sub(image, "ResourceId"), "ProprietaryId", f"{data.upc}-cover", Namespace="noktvrn")
    _sub(image, "ParentalWarningType", "NotExplicit")
    image_details = _sub(image, "TechnicalDetails")
    _sub(image_details, "TechnicalResourceDetailsReference", "T2")
    _sub(image_details, "ImageCodecType", "JPEG")
    _sub(image_details, "ImageHeight", str(data.cover_size))
    _sub(image_details, "ImageWidth", str(data.cover_size))
    _file(image_details, data.cover)

    releases = _sub(root, "ReleaseList")
    release = _sub(releases, "Release")
    _sub(release, "ReleaseReference", "R0")
    _sub(release, "ReleaseType", "Single")
    _sub(_sub(release, "ReleaseId"), "ICPN", data.upc)
    _sub(release, "DisplayTitleText", data.title)
    _sub(_sub(release, "DisplayTitle"), "TitleText", data.title)
    _sub(release, "DisplayArtistName", data.artist_name)
    _display_artist(release)
    _sub(release, "ReleaseLabelReference", "PLabel")
    _sub(release, "Duration", iso_duration(data.duration_seconds))
    _sub(_sub(release, "Genre"), "GenreText", data.genre)
    _sub(release, "ReleaseDate", data.release_date.isoformat())
    _sub(release, "ParentalWarningType", "NotExplicit")
    group = _sub(release, "ResourceGroup")
    item = _sub(group, "ResourceGroupContentItem")
    _sub(item, "SequenceNumber", "1")
    _sub(item, "ReleaseResourceReference", "A1")
    _sub(group, "LinkedReleaseResourceReference", "A2", LinkDescription="FrontCoverImage")
    track = _sub(releases, "TrackRelease")
    _sub(track, "ReleaseReference", "R1")
    _sub(_sub(track, "ReleaseId"), "ISRC", data.isrc)
    _sub(track, "ReleaseResourceReference", "A1")
    _sub(track, "ReleaseLabelReference", "PLabel")
    _sub(_sub(track, "Genre"), "GenreText", data.genre)

    deals = _sub(root, "DealList")
    release_deal = _sub(deals, "ReleaseDeal")
    _sub(release_deal, "DealReleaseReference", "R0")
    for model, uses in (
        ("SubscriptionModel", ["OnDemandStream", "NonInteractiveStream"]),
        ("AdvertisementSupportedModel", ["OnDemandStream"]),
        ("PayAsYouGoModel", ["PermanentDownload"]),
    ):
        terms = _sub(_sub(release_deal, "Deal"), "DealTerms")
        for territory in data.territories:
            _sub(terms, "TerritoryCode", territory)
        _sub(_sub(terms, "ValidityPeriod"), "StartDate", data.release_date.isoformat())
        _sub(terms, "CommercialModelType", model)
        for use in uses:
            _sub(terms, "UseType", use)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def ddex_missing(xml: bytes) -> list[str]:
    """What a recipient would reject: missing elements, bad identifiers, dangling references."""
    try:
        root = etree.fromstring(xml)
    except etree.XMLSyntaxError as exc:
        return [f"well-formed XML ({exc})"]
    problems: list[str] = []
    if root.tag != f"{{{ERN_NAMESPACE}}}NewReleaseMessage":
        problems.append(f"root NewReleaseMessage in {ERN_NAMESPACE}")
    for path in REQUIRED_PATHS:
        if not any((node.text or "").strip() for node in root.findall(path)):
            problems.append(path)
    for code in root.findall("ResourceList/SoundRecording/ResourceId/ISRC"):
        if not isrc.is_valid(code.text or ""):
            problems.append(f"valid ISRC (got {code.text!r})")
    for code in root.findall("ReleaseList/Release/ReleaseId/ICPN"):
        if not ean.is_valid(code.text or ""):
            problems.append(f"valid ICPN/EAN-13 (got {code.text!r})")
    for node in root.findall("ResourceList/SoundRecording/Duration"):
        if not _DURATION_RE.match(node.text or ""):
            problems.append(f"ISO 8601 Duration (got {node.text!r})")
    parties = {node.text for node in root.findall("PartyList/Party/PartyReference")}
    resources = {node.text for node in root.findall("ResourceList/*/ResourceReference")}
    releases = {node.text for node in root.findall("ReleaseList/*/ReleaseReference")}
    for node in root.iter("ArtistPartyReference", "ReleaseLabelReference"):
        if node.text not in parties:
            problems.append(f"PartyList entry for {node.text}")
    for node in root.iter("ReleaseResourceReference", "LinkedReleaseResourceReference"):
        if node.text not in resources:
            problems.append(f"ResourceList entry for {node.text}")
    for node in root.iter("DealReleaseReference"):
        if node.text not in releases:
            problems.append(f"ReleaseList entry for {node.text}")
    return problems
