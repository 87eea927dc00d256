"""The artist profile as an HTML form: one field per profile field, validated by `ArtistProfile`."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from pydantic import ValidationError

from artists.schemas import ArtistProfile

# Form field -> path in the profile, and whether it is a comma-separated list.
FIELDS: dict[str, tuple[tuple[str, ...], bool]] = {
    "persona": (("persona",), False),
    "backstory": (("backstory",), False),
    "primary_genre": (("primary_genre",), False),
    "secondary_genres": (("secondary_genres",), True),
    "influences": (("influences",), True),
    "themes": (("themes",), True),
    "voice": (("voice",), False),
    "audience": (("target_audience", "description"), False),
    "age_range": (("target_audience", "age_range"), False),
    "countries": (("target_audience", "countries"), True),
    "palette": (("visual_identity", "palette"), True),
    "style_keywords": (("visual_identity", "style_keywords"), True),
    "typography": (("visual_identity", "typography"), False),
    "tempo_min": (("musical_defaults", "tempo_min"), False),
    "tempo_max": (("musical_defaults", "tempo_max"), False),
    "preferred_keys": (("musical_defaults", "preferred_keys"), True),
    "preferred_modes": (("musical_defaults", "preferred_modes"), True),
    "energy": (("musical_defaults", "energy"), False),
    "track_seconds": (("musical_defaults", "track_seconds"), False),
    "origin_country": (("origin", "country"), False),
    "origin_city": (("origin", "city"), False),
    "language": (("language",), False),
    "act_type": (("act_type",), False),
}
# Left empty in the form: the stored value (or the schema default) stays.
OPTIONAL_WITH_DEFAULT = {"typography", "language", "act_type"}
_BY_PATH = {path: name for name, (path, _) in FIELDS.items()}


def _split(text: str) -> list[str]:
    return [item.strip() for item in (text or "").split(",") if item.strip()]


class ArtistProfileForm(forms.Form):
    """Edits the profile field by field; `clean` builds the profile and lets the schema judge it.

    The edited fields are laid over the artist's current profile, so a field this form does not
    show yet (added to the schema later) is kept, never reset.
    """

    def __init__(self, *args, base_profile: dict[str, Any] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.base_profile = copy.deepcopy(base_profile or {})

    persona = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    backstory = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    primary_genre = forms.CharField()
    secondary_genres = forms.CharField(required=False, help_text="Comma-separated.")
    influences = forms.CharField(required=False, help_text="Comma-separated.")
    themes = forms.CharField(help_text="Comma-separated.")
    voice = forms.CharField()
    audience = forms.CharField(label="Audience")
    age_range = forms.CharField()
    countries = forms.CharField(help_text="ISO 3166-1 alpha-2 codes, comma-separated (DE, FR).")
    palette = forms.CharField(help_text="Hex colours, comma-separated (#1a1a2e, #e94560).")
    style_keywords = forms.CharField(help_text="Comma-separated.")
    typography = forms.CharField(required=False)
    tempo_min = forms.IntegerField(label="Tempo min (BPM)")
    tempo_max = forms.IntegerField(label="Tempo max (BPM)")
    preferred_keys = forms.CharField(help_text="Pitch names, comma-separated (A, C#).")
    preferred_modes = forms.CharField(help_text="major and/or minor, comma-separated.")
    energy = forms.FloatField(help_text="0 to 1.")
    track_seconds = forms.IntegerField(label="Track length (s)")
    origin_country = forms.CharField(required=False, label="Home country", help_text="ISO 3166-1 alpha-2 code.")
    origin_city = forms.CharField(required=False, label="Home city")
    language = forms.CharField(required=False, help_text="ISO 639-1 code of the sung language (en, pt).")
    act_type = forms.ChoiceField(
        required=False, choices=[("solo", "solo"), ("duo", "duo"), ("band", "band"), ("producer", "producer")]
    )
    reason = forms.CharField(max_length=300, help_text="Why: kept with the new version.")

    @classmethod
    def initial_from(cls, profile: dict[str, Any]) -> dict[str, Any]:
        initial = {}
        for name, (path, is_list) in FIELDS.items():
            value: Any = profile
            for part in path:
                value = (value or {}).get(part) if isinstance(value, dict) else None
            initial[name] = ", ".join(value or []) if is_list else value
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        profile: dict[str, Any] = self.base_profile
        for name, (path, is_list) in FIELDS.items():
            value = _split(data.get(name)) if is_list else data.get(name)
            if name in OPTIONAL_WITH_DEFAULT and not value:
                continue  # keep what is stored, or the schema's default
            target = profile
            for part in path[:-1]:
                target = target.setdefault(part, {})
            target[path[-1]] = value
        try:
            data["profile"] = ArtistProfile.model_validate(profile).model_dump(mode="json")
        except ValidationError as exc:
            for error in exc.errors():
                loc = tuple(part for part in error["loc"] if isinstance(part, str))
                field = next((_BY_PATH[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in _BY_PATH), None)
                message = error["msg"].removeprefix("Value error, ")
                self.add_error(field, message if field else f"{'.'.join(loc) or 'profile'}: {message}")
        return data
